import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf, type Descriptor, type Digest } from "@exp/oci-spec";
import { HostLimiters, createRegistryClient, type RegistryClient } from "@exp/registry";
import { skipUnlessTools, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from "@exp/testing";
import { run } from "../../test-helpers.js";
import { blobsOf, buildByDigest, mounts, skopeoRaw, uploads, writes } from "./imagetools-test-support.js";

interface Index {
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

describe.skipIf(skipUnlessTools("docker-registry", "skopeo", "htpasswd"))("exp imagetools create against real registries", () => {
  /** Where the per-platform images are pushed; every request to it is recorded by proxyA. */
  let a: TestRegistry;
  let proxyA: FaultProxy;
  /** A second registry, with basic auth, for the cross-registry merge. */
  let b: TestRegistry;
  let proxyB: FaultProxy;
  let dir: string;
  /** A HOME whose docker config.json holds registry B's credentials. */
  let home: string;
  let client: RegistryClient;
  let amd: Digest;
  let arm: Digest;
  const A = () => proxyA.host;
  const sources = () => [`${A()}/src/amd@${amd}`, `${A()}/src/arm@${arm}`];
  const imagetools = (args: string[], env: Record<string, string> = { HOME: home }) => run(["imagetools", ...args], { env });

  beforeAll(async () => {
    [a, b] = await Promise.all([startRegistry(), startRegistry({ auth: "basic" })]);
    [proxyA, proxyB] = await Promise.all([startFaultProxy({ target: a.url }), startFaultProxy({ target: b.url })]);
    dir = await mkdtemp(join(tmpdir(), "exp-imagetools-"));
    home = join(dir, "home");
    await mkdir(join(home, ".docker"), { recursive: true });
    const auth = Buffer.from(`${b.username}:${b.password}`).toString("base64");
    await writeFile(join(home, ".docker", "config.json"), JSON.stringify({ auths: { [proxyB.host]: { auth } } }));
    client = createRegistryClient({ limiters: new HostLimiters() });
    // One runner per platform, each pushing by digest into a repository of its own.
    amd = await buildByDigest(dir, `${A()}/src/amd`, "linux/amd64", "amd64-image");
    arm = await buildByDigest(dir, `${A()}/src/arm`, "linux/arm64", "arm64-image");
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([proxyA?.stop(), proxyB?.stop()]);
    await Promise.all([a?.stop(), b?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("merges two digests from two repositories into a third: --dry-run pushes nothing, the push mounts every blob, skopeo reads both platforms back", async () => {
    proxyA.reset();
    const dry = await imagetools(["create", "--dry-run", "-t", `${A()}/merged/app:v1`, ...sources()]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(writes(proxyA)).toEqual([]);

    proxyA.reset();
    const made = await imagetools(["create", "-t", `${A()}/merged/app:v1`, ...sources()]);
    expect(made.code, made.stderr).toBe(0);
    const raw = skopeoRaw(`${a.host}/merged/app:v1`);
    // What --dry-run printed is what was pushed, byte for byte (plus the newline buildx prints).
    expect(`${raw.toString()}\n`).toBe(dry.stdout);
    const index = JSON.parse(raw.toString()) as Index;
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests.map((m) => [m.digest, `${m.platform?.os}/${m.platform?.architecture}`])).toEqual([
      [amd, "linux/amd64"],
      [arm, "linux/arm64"],
    ]);

    // Every config and layer was mounted from the repository it was pushed to; no byte of a blob
    // was uploaded, and no layer was read.
    const amdBlobs = await blobsOf(client, { registry: a.host, repository: "src/amd" }, amd);
    const armBlobs = await blobsOf(client, { registry: a.host, repository: "src/arm" }, arm);
    expect(mounts(proxyA).sort((x, y) => x.digest.localeCompare(y.digest))).toEqual(
      [...amdBlobs.map((digest) => ({ digest, from: "src/amd", status: 201 })), ...armBlobs.map((digest) => ({ digest, from: "src/arm", status: 201 }))].sort((x, y) => x.digest.localeCompare(y.digest)),
    );
    expect(uploads(proxyA)).toEqual([]);
    const layers = [...amdBlobs.slice(1), ...armBlobs.slice(1)];
    expect(proxyA.stats.log.filter((e) => e.method === "GET" && layers.some((l) => e.path.endsWith(`/blobs/${l}`)))).toEqual([]);
    // The manifests by digest first, then the index under its tag.
    const puts = proxyA.stats.log.filter((e) => e.method === "PUT" && e.path.includes("/manifests/")).map((e) => e.path.replace("/v2/merged/app/manifests/", ""));
    expect(puts.slice(0, 2).sort()).toEqual([amd, arm].sort());
    expect(puts.slice(2)).toEqual(["v1"]);
    expect(made.stderr).toContain("merged/app: 2 manifests pushed; blobs: 4 mounted, 0 uploaded, 0 already there");

    // skopeo copies both platforms out, each with its own file.
    const out = join(dir, "oci-merged");
    execFileSync("skopeo", ["copy", "--all", "--src-tls-verify=false", `docker://${a.host}/merged/app:v1`, `oci:${out}:v1`], { stdio: "pipe" });
    expect(await filesPerPlatform(out)).toEqual({ "linux/amd64": "amd64-image\n", "linux/arm64": "arm64-image\n" });
  });

  it("merges across registries: the blobs are streamed from the source and uploaded, with the credentials exp build uses; the index is the same", async () => {
    proxyA.reset();
    proxyB.reset();
    const made = await imagetools(["create", "-t", `${proxyB.host}/copied/app:v1`, ...sources()]);
    expect(made.code, made.stderr).toBe(0);
    const [amdConfig, ...amdLayers] = await blobsOf(client, { registry: a.host, repository: "src/amd" }, amd);
    const [armConfig, ...armLayers] = await blobsOf(client, { registry: a.host, repository: "src/arm" }, arm);
    const reads = (digest: string) => proxyA.stats.log.filter((e) => e.method === "GET" && e.path.endsWith(`/blobs/${digest}`) && e.status === 200).length;
    // Each blob uploaded once to B (its digest on the final PUT); each layer read once from its
    // source, each config twice (once for the platform the index lists, once for the copy).
    for (const digest of [amdConfig!, armConfig!, ...amdLayers, ...armLayers]) {
      expect(uploads(proxyB).filter((e) => e.method === "PUT" && e.path.includes(`digest=${encodeURIComponent(digest)}`) && e.status === 201), digest).toHaveLength(1);
    }
    expect([...amdLayers, ...armLayers].map(reads)).toEqual([1, 1]);
    expect([amdConfig!, armConfig!].map(reads)).toEqual([2, 2]);
    expect(mounts(proxyB)).toEqual([]);
    expect(writes(proxyA)).toEqual([]);
    const creds = `${b.username}:${b.password}`;
    const copied = skopeoRaw(`${b.host}/copied/app:v1`, creds);
    expect(digestOf(copied)).toBe(digestOf(skopeoRaw(`${a.host}/merged/app:v1`)));
    const out = join(dir, "oci-copied");
    execFileSync("skopeo", ["copy", "--all", "--src-tls-verify=false", "--src-creds", creds, `docker://${b.host}/copied/app:v1`, `oci:${out}:v1`], { stdio: "pipe" });
    expect(await filesPerPlatform(out)).toEqual({ "linux/amd64": "amd64-image\n", "linux/arm64": "arm64-image\n" });

    // Without the docker config, B refuses, and the error names the registry, never a password.
    const anonymous = await imagetools(["create", "-t", `${proxyB.host}/copied/app:v2`, ...sources()], { HOME: join(dir, "empty-home") });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain(proxyB.host);
    expect(anonymous.stderr).not.toContain(b.password!);
  });

  it("a registry that refuses mounts gets the blobs uploaded from the source repository instead (reading and writing one registry at once)", async () => {
    proxyA.setRules([{ match: { method: "POST", path: /mount=/ }, fault: { type: "status", status: 403, body: '{"errors":[{"code":"DENIED","message":"no mounts here"}]}' } }]);
    proxyA.reset();
    try {
      const made = await imagetools(["create", "-t", `${A()}/unmounted/app:v1`, ...sources()]);
      expect(made.code, made.stderr).toBe(0);
    } finally {
      proxyA.setRules([]);
    }
    expect(mounts(proxyA).map((m) => m.status)).toEqual([403, 403, 403, 403]);
    expect(uploads(proxyA).filter((e) => e.method === "PUT" && e.status === 201)).toHaveLength(4);
    expect(digestOf(skopeoRaw(`${a.host}/unmounted/app:v1`))).toBe(digestOf(skopeoRaw(`${a.host}/merged/app:v1`)));
  }, 20_000);

  it("--append keeps the manifests of the index at the first tag and adds the new ones after them", async () => {
    const first = await imagetools(["create", "-t", `${A()}/merged/app:append`, sources()[0]!]);
    expect(first.code, first.stderr).toBe(0);
    const before = JSON.parse(skopeoRaw(`${a.host}/merged/app:append`).toString()) as Index;
    expect(before.manifests.map((m) => m.digest)).toEqual([amd]);
    const appended = await imagetools(["create", "--append", "-t", `${A()}/merged/app:append`, sources()[1]!]);
    expect(appended.code, appended.stderr).toBe(0);
    const after = JSON.parse(skopeoRaw(`${a.host}/merged/app:append`).toString()) as Index;
    expect(after.manifests.map((m) => m.digest)).toEqual([amd, arm]);
    expect(after.manifests[0]).toEqual(before.manifests[0]);
  });

  it("puts index: annotations on the index and manifest-descriptor: ones on its entries, a platform's own on that platform only", async () => {
    const made = await imagetools([
      "create",
      "-t",
      `${A()}/merged/app:annotated`,
      "--annotation",
      "index:org.opencontainers.image.version=1.2",
      "--annotation",
      "manifest-descriptor:com.example.all=yes",
      "--annotation",
      "manifest-descriptor[linux/arm64]:com.example.arch=arm",
      ...sources(),
    ]);
    expect(made.code, made.stderr).toBe(0);
    const index = JSON.parse(skopeoRaw(`${a.host}/merged/app:annotated`).toString()) as Index;
    expect(index.annotations).toEqual({ "org.opencontainers.image.version": "1.2" });
    expect(index.manifests.map((m) => m.annotations)).toEqual([{ "com.example.all": "yes" }, { "com.example.all": "yes", "com.example.arch": "arm" }]);
  });

  it("--prefer-index=false copies one manifest as it is; --platform keeps the platforms asked for; --metadata-file names what was pushed", async () => {
    const copy = await imagetools(["create", "--prefer-index=false", "-t", `${A()}/copy/app:v1`, sources()[0]!]);
    expect(copy.code, copy.stderr).toBe(0);
    expect(digestOf(skopeoRaw(`${a.host}/copy/app:v1`))).toBe(amd);

    const metadata = join(dir, "metadata.json");
    const filtered = await imagetools(["create", "-p", "linux/arm64", "-t", `${A()}/merged/app:arm`, "--metadata-file", metadata, ...sources()]);
    expect(filtered.code, filtered.stderr).toBe(0);
    const raw = skopeoRaw(`${a.host}/merged/app:arm`);
    expect((JSON.parse(raw.toString()) as Index).manifests.map((m) => m.digest)).toEqual([arm]);
    expect(JSON.parse(await readFile(metadata, "utf8"))).toEqual({
      "containerimage.descriptor": { mediaType: "application/vnd.oci.image.index.v1+json", digest: digestOf(raw), size: raw.byteLength },
      "image.name": `${A()}/merged/app`,
    });
  });

  it("-f reads a source from a file: a JSON descriptor's platform and annotations win over the registry's, and a wrong size is refused", async () => {
    const file = join(dir, "amd-descriptor.json");
    const descriptor = { digest: amd, platform: { os: "linux", architecture: "amd64", "os.version": "10.1" }, annotations: { "com.example.from": "file" } };
    await writeFile(file, `${JSON.stringify(descriptor)}\n`);
    const dry = await imagetools(["create", "--dry-run", "-t", `${A()}/src/amd:from-file`, "-f", file]);
    expect(dry.code, dry.stderr).toBe(0);
    const entry = (JSON.parse(dry.stdout) as Index).manifests[0]!;
    expect(entry).toEqual({ mediaType: expect.any(String), digest: amd, size: expect.any(Number), annotations: { "com.example.from": "file" }, platform: descriptor.platform });

    await writeFile(file, JSON.stringify({ ...descriptor, size: 1 }));
    const wrong = await imagetools(["create", "--dry-run", "-t", `${A()}/src/amd:from-file`, "-f", file]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(new RegExp(`invalid size mismatch for ${amd}, 1 != ${entry.size}`));
  });

  it("bad flags and sources fail with a usage error naming the value, before any request", async () => {
    const bad: Array<[string[], RegExp]> = [
      [["-t", `${A()}/merged/app:bad`, "--annotation", "manifest:k=v", ...sources()], /--annotation "manifest:k=v": "manifest" annotations are not supported yet/],
      [["-t", `${A()}/merged/app:bad`, "--annotation", "index-descriptor:k=v", ...sources()], /"index-descriptor" annotations are invalid while creating an image/],
      [["-t", `${A()}/merged/app:bad`, "--annotation", "k=v", ...sources()], /"" annotations are not supported yet/],
      [["-t", `${A()}/merged/app:bad`, "Not A Ref", ...sources()], /failed to parse source "Not A Ref"/],
      [sources(), /can't push with no tags specified, please set --tag or --dry-run/],
      [["-t", `${A()}/merged/app:bad`], /no sources specified/],
      [["-t", `${A()}/merged/app:bad`, "-p", "linux/nope", ...sources()], /--platform "linux\/nope": invalid platform/],
      [["-t", `${A()}/merged/app:bad`, amd, `${A()}/src/arm@${arm}`], /multiple repositories specified .* cannot infer repository for "sha256:/],
      [["-t", `${A()}/merged/app@${amd}`, ...sources()], /a -t name takes a tag, not a digest/],
      [["--prefer-index=maybe", "-t", `${A()}/merged/app:bad`, ...sources()], /expected true or false/],
    ];
    for (const [args, message] of bad) {
      proxyA.reset();
      const result = await imagetools(["create", ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(proxyA.stats.log, args.join(" ")).toEqual([]);
    }
    // A filter that leaves nothing is found once the sources are read: nothing is written.
    proxyA.reset();
    const none = await imagetools(["create", "-p", "linux/s390x", "-t", `${A()}/merged/app:bad`, ...sources()]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/none of the manifests match the provided platforms \(linux\/s390x\)/);
    expect(writes(proxyA)).toEqual([]);
  });
});

/** Each platform of an OCI layout written by `skopeo copy --all`, and what its file.txt holds. */
async function filesPerPlatform(layout: string): Promise<Record<string, string>> {
  const blob = (digest: string) => join(layout, "blobs", "sha256", digest.slice("sha256:".length));
  const top = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as Index;
  const index = JSON.parse(await readFile(blob(top.manifests[0]!.digest), "utf8")) as Index;
  const out: Record<string, string> = {};
  for (const m of index.manifests) {
    const manifest = JSON.parse(await readFile(blob(m.digest), "utf8")) as { layers: Descriptor[] };
    out[`${m.platform!.os}/${m.platform!.architecture}`] = execFileSync("tar", ["-xzOf", blob(manifest.layers[0]!.digest), "file.txt"], { encoding: "utf8" });
  }
  return out;
}
