import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { InvalidOptionError, MissingOptionError, UnknownOptionError } from "@exp/errors";
import { digestOf } from "@exp/oci-spec";
import { HostLimiters, createRegistryClient, type RegistryClient } from "@exp/registry";
import { clearSkopeoBlobCache, skipUnlessTools, startFaultProxy, startRegistry, type TestRegistry } from "@exp/testing";
import { createImageExporter, imageExporter, registryExporter } from "./image-exporter.js";

function skopeo(args: string[]): string {
  return execFileSync("skopeo", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("image exporter options", () => {
  it("rejects unknown keys, bad combinations and a push without a name", () => {
    expect(() => imageExporter.resolve({ pussh: "true" })).toThrow(UnknownOptionError);
    expect(() => imageExporter.resolve({ name: "a", compression: "zstd", "oci-mediatypes": "false" })).toThrow(/zstd layers need OCI media types/);
    expect(() => imageExporter.resolve({ name: "r/a:v1", "push-by-digest": "true" })).toThrow(/without a tag when push-by-digest=true/);
    expect(() => registryExporter.resolve({})).toThrow(MissingOptionError);
    // writer.go: with Docker media types only the descriptor and index annotations are refused.
    expect(() => imageExporter.resolve({ name: "a", "annotation-manifest-descriptor.x": "1", "oci-mediatypes": "false" })).toThrow(InvalidOptionError);
    expect(() => imageExporter.resolve({ name: "a", "annotation.x": "1", "oci-mediatypes": "false" })).not.toThrow();
    expect(() => imageExporter.resolve({ name: "a", "compression-level": "12" })).toThrow(/from 0 to 9/);
    expect(() => imageExporter.resolve({ name: "a", "annotation-manifest[linux/arm64].org.x": "1" })).not.toThrow();
  });
});

describe.skipIf(skipUnlessTools("docker-registry", "skopeo", "umoci"))("image exporter against a real registry", () => {
  let registry: TestRegistry;
  let dir: string;
  let store: ContentStore;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), "exp-image-exporter-"));
    store = await openContentStore(join(dir, "store"));
    client = createRegistryClient({ limiters: new HostLimiters() });
    const context = join(dir, "context");
    await mkdir(join(context, "site"), { recursive: true });
    await writeFile(join(context, "site", "index.html"), "<h1>exp</h1>\n");
    await writeFile(join(context, "server"), "#!/bin/sh\n", { mode: 0o755 });
    await writeFile(join(context, "Dockerfile"), 'FROM scratch\nCOPY site/ /srv/www/\nCOPY --chmod=755 server /srv/\nENV PORT=80\nCMD ["/srv/server"]\n');
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function build(platforms?: Array<{ os: string; architecture: string }>) {
    return buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000, ...(platforms ? { platforms } : {}) });
  }

  async function exportWith(attrs: Record<string, string>, platforms?: Array<{ os: string; architecture: string }>, reg: RegistryClient = client) {
    const built = await build(platforms);
    try {
      return await runExport({ source: built.source, exporters: [createImageExporter("image").resolve(attrs)], store, registry: reg });
    } finally {
      await store.leases.release(built.lease);
    }
  }

  it("pushes an image skopeo reads byte for byte and umoci unpacks", async () => {
    const name = `${registry.host}/exp/site:v1`;
    const outcome = await exportWith({ name, push: "true" });
    const digest = outcome.response["containerimage.digest"]!;
    const raw = skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${name}`]);
    expect(raw).toBe((await store.readAll(digest as never)).toString());
    const manifest = JSON.parse(raw);
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual(Array(2).fill("application/vnd.oci.image.layer.v1.tar+gzip"));
    expect(JSON.stringify(manifest)).not.toContain("containerd.io/uncompressed");
    expect(JSON.parse(Buffer.from(outcome.response["containerimage.descriptor"]!, "base64").toString()).digest).toBe(digest);
    await clearSkopeoBlobCache();
    const layout = join(dir, "pulled");
    skopeo(["copy", "--src-tls-verify=false", `docker://${name}`, `oci:${layout}:v1`]);
    execFileSync("umoci", ["unpack", ...(process.getuid?.() === 0 ? [] : ["--rootless"]), "--image", `${layout}:v1`, join(dir, "bundle")]);
    expect(await readFile(join(dir, "bundle", "rootfs", "srv", "www", "index.html"), "utf8")).toBe("<h1>exp</h1>\n");
    const config = JSON.parse(skopeo(["inspect", "--config", "--tls-verify=false", `docker://${name}`]));
    expect(config.config.Cmd).toEqual(["/srv/server"]);
    expect(config.created).toBe("2023-11-14T22:13:20Z");
    expect(config.rootfs.diff_ids).toHaveLength(2);
  });

  it("pushes a multi-platform index with a manifest per platform", async () => {
    const name = `${registry.host}/exp/multi:v1`;
    await exportWith({ name, push: "true" }, [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ]);
    const index = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${name}`]));
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(["amd64", "arm64"]);
    expect(JSON.parse(skopeo(["inspect", "--tls-verify=false", "--override-arch", "arm64", `docker://${name}`])).Architecture).toBe("arm64");
  });

  it("writes Docker media types, zstd and uncompressed layers as asked", async () => {
    await exportWith({ name: `${registry.host}/exp/docker:v1`, push: "true", "oci-mediatypes": "false" });
    const docker = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/exp/docker:v1`]));
    expect(docker.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(docker.config.mediaType).toBe("application/vnd.docker.container.image.v1+json");
    expect(docker.layers[0].mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar.gzip");
    await exportWith({ name: `${registry.host}/exp/zstd:v1`, push: "true", compression: "zstd" });
    const zstd = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/exp/zstd:v1`]));
    expect(zstd.layers[0].mediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
    await exportWith({ name: `${registry.host}/exp/raw:v1`, push: "true", compression: "uncompressed" });
    const raw = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/exp/raw:v1`]));
    expect(raw.layers[0].mediaType).toBe("application/vnd.oci.image.layer.v1.tar");
    const config = JSON.parse(skopeo(["inspect", "--config", "--tls-verify=false", `docker://${registry.host}/exp/raw:v1`]));
    expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(config.rootfs.diff_ids);
  });

  it("pushes several names at once and by digest without a tag", async () => {
    const a = `${registry.host}/exp/a:v1`;
    const b = `${registry.host}/exp/b:v2`;
    const outcome = await exportWith({ name: `${a},${b}`, push: "true" });
    expect(outcome.response["image.name"]).toBe(`${a},${b}`);
    for (const name of [a, b]) expect(JSON.parse(skopeo(["inspect", "--tls-verify=false", `docker://${name}`])).Digest).toBe(outcome.response["containerimage.digest"]);
    const byDigest = await exportWith({ name: `${registry.host}/exp/bydigest`, push: "true", "push-by-digest": "true" });
    expect(() => skopeo(["inspect", "--tls-verify=false", `docker://${registry.host}/exp/bydigest:latest`])).toThrow();
    // No tag exists, so ask for the raw manifest (plain inspect lists tags) and check its digest.
    const raw = skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/exp/bydigest@${byDigest.response["containerimage.digest"]}`]);
    expect(digestOf(raw)).toBe(byDigest.response["containerimage.digest"]);
  });

  it("a store-only export is kept in the store and recorded in history", async () => {
    const outcome = await exportWith({ name: "example.invalid/app:dev" });
    const root = await store.roots.get("image/example.invalid/app:dev");
    expect(root?.digest).toBe(outcome.response["containerimage.digest"]);
    expect((await store.history.get(outcome.buildId))?.results.map((r) => r.digest)).toEqual([root?.digest]);
    expect(outcome.timeline.some((e) => e.phase === "finalize")).toBe(false);
  });

  it("mounts a base layer the target registry already has instead of downloading and uploading it", async () => {
    const proxy = await startFaultProxy({ target: registry.url });
    try {
      // The base was pushed by the first test; everything goes through the proxy, which counts requests.
      const context = join(dir, "child");
      await mkdir(context, { recursive: true });
      await writeFile(join(context, "extra.txt"), "child layer");
      // --link: the COPY does not read the base (a plain COPY downloads it to place files onto it, as BuildKit does).
      await writeFile(join(context, "Dockerfile"), `FROM ${proxy.host}/exp/site:v1\nCOPY --link extra.txt /srv/\n`);
      const viaProxy = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      const childStore = await openContentStore(join(dir, "child-store"));
      const built = await buildImage({ context, store: childStore, registry: viaProxy, sourceDateEpoch: 1_700_000_000 });
      const ownLayer = built.source.results[0]!.ref.layers.at(-1)!;
      await runExport({
        source: built.source,
        exporters: [imageExporter.resolve({ name: `${proxy.host}/exp/child:v1`, push: "true", store: "false" })],
        store: childStore,
        registry: viaProxy,
      });
      // Only the new layer, the config and the manifest were sent; the two base layers were mounted.
      const mounts = proxy.stats.log.filter((e) => e.method === "POST" && e.path.includes("mount="));
      expect(mounts.map((e) => e.status)).toEqual([201, 201]);
      const blobGets = proxy.stats.log.filter((e) => e.method === "GET" && e.path.includes("/blobs/"));
      expect(blobGets.map((e) => e.path)).toEqual([expect.stringContaining("/v2/exp/site/blobs/")]); // the config only
      const uploads = proxy.stats.log.filter((e) => e.method === "PUT" && e.path.includes("/blobs/uploads/"));
      expect(uploads).toHaveLength(2); // the child's own layer and its config
      const baseBlobs = built.source.results[0]!.ref.layers.slice(0, 2).map((l) => l.knownBlobs![0]!.digest);
      for (const digest of baseBlobs) expect(await childStore.exists(digest)).toBe(false);
      expect(ownLayer.knownBlobs).toBeUndefined();
      await childStore.leases.release(built.lease);
      await viaProxy.close();
    } finally {
      await proxy.stop();
    }
  });
});
