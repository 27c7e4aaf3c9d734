import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { digestOf } from "@exp/oci-spec";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { createOciExporter, dockerExporter, ociExporter } from "./oci-exporter.js";

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe.skipIf(skipUnlessTools("skopeo", "umoci", "docker-registry"))("oci and docker exporters", () => {
  let dir: string;
  let store: ContentStore;
  let registry: TestRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-oci-exporter-"));
    store = await openContentStore(join(dir, "store"));
    registry = await startRegistry();
    const context = join(dir, "context");
    await mkdir(join(context, "www"), { recursive: true });
    await writeFile(join(context, "www", "index.html"), "<p>hello</p>\n");
    await writeFile(join(context, "Dockerfile"), 'FROM scratch\nCOPY www/ /www/\nCMD ["/www"]\n');
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function exportWith(exporterAttrs: Array<[ReturnType<typeof createOciExporter>, Record<string, string>]>, platforms?: Array<{ os: string; architecture: string }>) {
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000, ...(platforms ? { platforms } : {}) });
    try {
      return await runExport({ source: built.source, exporters: exporterAttrs.map(([e, attrs]) => e.resolve(attrs)), store });
    } finally {
      await store.leases.release(built.lease);
    }
  }

  it("writes an OCI archive skopeo reads and copies to a registry with the same digest", async () => {
    const file = join(dir, "image.tar");
    const outcome = await exportWith([[ociExporter, { dest: file, name: "example.invalid/site:v1" }]]);
    const digest = outcome.response["containerimage.digest"]!;
    expect(JSON.parse(run("skopeo", ["inspect", `oci-archive:${file}:v1`])).Digest).toBe(digest);
    run("skopeo", ["copy", "--dest-tls-verify=false", `oci-archive:${file}:v1`, `docker://${registry.host}/from-archive:v1`]);
    expect(digestOf(run("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/from-archive:v1`]))).toBe(digest);
    const names = run("tar", ["-tf", file]).trim().split("\n");
    expect(names).toEqual([...names].sort());
    expect(names).toContain("oci-layout");
    expect(names).not.toContain("manifest.json");
    const index = JSON.parse(execFileSync("tar", ["-xOf", file, "index.json"], { encoding: "utf8" }));
    expect(index.manifests[0].annotations).toMatchObject({
      "io.containerd.image.name": "example.invalid/site:v1",
      "org.opencontainers.image.ref.name": "v1",
      "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
    });
  });

  it("is byte-for-byte reproducible", async () => {
    const a = join(dir, "a.tar");
    const b = join(dir, "b.tar");
    await exportWith([[ociExporter, { dest: a }]]);
    await exportWith([[ociExporter, { dest: b }]]);
    expect((await readFile(a)).equals(await readFile(b))).toBe(true);
  });

  it("writes a docker archive with manifest.json and RepoTags, and refuses several platforms", async () => {
    const file = join(dir, "docker.tar");
    await exportWith([[dockerExporter, { dest: file, name: "example.invalid/site:v2", "oci-mediatypes": "false" }]]);
    const manifest = JSON.parse(execFileSync("tar", ["-xOf", file, "manifest.json"], { encoding: "utf8" }));
    expect(manifest[0].RepoTags).toEqual(["example.invalid/site:v2"]);
    const inspected = JSON.parse(run("skopeo", ["inspect", `docker-archive:${file}`]));
    expect(inspected.Layers).toHaveLength(1);
    await expect(
      exportWith([[dockerExporter, { dest: join(dir, "multi.tar") }]], [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
      ]),
    ).rejects.toThrow(/a single platform/);
  });

  it("tar=false writes an OCI layout umoci unpacks, and merges later exports into it", async () => {
    const layout = join(dir, "layout");
    await exportWith([[ociExporter, { dest: layout, tar: "false", name: "example.invalid/site:v1" }]]);
    await exportWith([[ociExporter, { dest: layout, tar: "false", name: "example.invalid/site:v2" }]]);
    const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"]).sort()).toEqual(["v1", "v2"]);
    execFileSync("umoci", ["unpack", ...(process.getuid?.() === 0 ? [] : ["--rootless"]), "--image", `${layout}:v2`, join(dir, "bundle")]);
    expect(await readFile(join(dir, "bundle", "rootfs", "www", "index.html"), "utf8")).toBe("<p>hello</p>\n");
    expect((await readdir(join(layout, "blobs", "sha256"))).some((f) => f.endsWith(".tmp"))).toBe(false);
  });

  it("tar=false exports into one layout at the same time keep every name (the layout's lock)", async () => {
    const layout = join(dir, "shared-layout");
    await Promise.all(["a", "b", "c"].map((tag) => exportWith([[ociExporter, { dest: layout, tar: "false", name: `example.invalid/site:${tag}` }]])));
    const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"]).sort()).toEqual(["a", "b", "c"]);
  });

  it("streams to stdout for dest=-", async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on("data", (c: Buffer) => chunks.push(c));
    await exportWith([[createOciExporter("oci", { stdout }), { dest: "-" }]]);
    const file = join(dir, "stdout.tar");
    await writeFile(file, Buffer.concat(chunks));
    expect(run("tar", ["-tf", file])).toContain("index.json");
  });

  it("checks its options", () => {
    expect(() => ociExporter.resolve({})).toThrow(/"dest" is required/);
    expect(() => dockerExporter.resolve({ dest: "x", tar: "false" })).toThrow(/always a tarball/);
    expect(() => ociExporter.resolve({ dest: "-", tar: "false" })).toThrow(/a directory when tar=false/);
    expect(() => ociExporter.resolve({ dest: "x", compresion: "zstd" })).toThrow(/did you mean "compression"/);
  });
});
