import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCacheConfig, chainOf } from "@exp/cache-config";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { ociExporter } from "@exp/exporter-oci";
import { cacheExporter } from "./local-cache-exporter.js";
import { writeCacheDir } from "./write-cache-dir.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-cache-local-"));
  store = await openContentStore(join(dir, "store"));
  const context = join(dir, "context");
  await mkdir(join(context, "assets"), { recursive: true });
  await writeFile(join(context, "assets", "logo.svg"), "<svg/>");
  await writeFile(join(context, "app.js"), "console.log(1)");
  await writeFile(join(context, "Dockerfile"), "FROM scratch AS assets\nCOPY assets/ /assets/\nFROM scratch\nCOPY app.js /app/\nCOPY --from=assets /assets /srv/assets\n");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function exportCache(attrs: Record<string, string>, withImage = false) {
  const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
  try {
    return await runExport({
      source: built.source,
      exporters: withImage ? [ociExporter.resolve({ dest: join(dir, "image.tar") })] : [],
      cacheExporters: [cacheExporter.resolve(attrs)],
      store,
    });
  } finally {
    await store.leases.release(built.lease);
  }
}

async function readCache(dest: string, tag = "latest") {
  const index = JSON.parse(await readFile(join(dest, "index.json"), "utf8"));
  const entry = index.manifests.find((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"] === tag);
  const blob = (digest: string) => readFile(join(dest, "blobs", "sha256", digest.slice(7)), "utf8");
  const manifest = JSON.parse(await blob(entry.digest));
  const config = parseCacheConfig(await blob(manifest.config.digest));
  return { index, entry, manifest, config };
}

describe("local cache exporter", () => {
  it("writes BuildKit's layout: an image-manifest cache whose config names the build's records and chains", async () => {
    const dest = join(dir, "cache");
    const outcome = await exportCache({ dest, mode: "max" }, true);
    const { entry, manifest, config } = await readCache(dest);
    expect(JSON.parse(outcome.response["cache.manifest"]!).digest).toBe(entry.digest);
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.config.mediaType).toBe("application/vnd.buildkit.cacheconfig.v0");
    expect(manifest.artifactType).toBeUndefined();
    expect(manifest.layers.every((l: { annotations: Record<string, string> }) => l.annotations["containerd.io/uncompressed"]?.startsWith("sha256:"))).toBe(true);
    expect(config.records).toHaveLength(3);
    const chains = config.records.filter((r) => r.layers).map((r) => chainOf(config, r.layers![0]!.layer).length).sort();
    expect(chains).toEqual([1, 1, 2]);
  });

  it("in mode=min, the image's final record exports exactly the blobs the image exporter made", async () => {
    const dest = join(dir, "cache");
    const outcome = await exportCache({ dest }, true);
    const image = JSON.parse((await store.readAll(outcome.response["containerimage.digest"] as never)).toString());
    const { config } = await readCache(dest);
    const longest = config.records.filter((r) => r.layers).map((r) => chainOf(config, r.layers![0]!.layer)).sort((a, b) => b.length - a.length)[0];
    expect(longest).toEqual(image.layers.map((l: { digest: string }) => l.digest));
  });

  it("mode=min gives a result only to what exists; mode=max to every record", async () => {
    const min = await readCache(await (async () => (await exportCache({ dest: join(dir, "min") }, true), join(dir, "min")))());
    const max = await readCache(await (async () => (await exportCache({ dest: join(dir, "max"), mode: "max" }), join(dir, "max")))());
    expect(min.config.records).toHaveLength(3);
    expect(max.config.records.filter((r) => r.layers)).toHaveLength(3);
    // The assets stage's layer is not in the image: in mode=min, with only the image exported, it has no blob.
    expect(min.config.records.filter((r) => r.layers).length).toBeLessThan(3);
  });

  it("keeps other tags, replaces its own, and reset deletes what nothing references", async () => {
    const dest = join(dir, "cache");
    await exportCache({ dest, mode: "max", tag: "a" });
    await exportCache({ dest, mode: "max", tag: "b", compression: "zstd" });
    const { index } = await readCache(dest, "a");
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"]).sort()).toEqual(["a", "b"]);
    const before = (await readdir(join(dest, "blobs", "sha256"))).length;
    await exportCache({ dest, mode: "max", tag: "a", compression: "zstd", "force-compression": "true", reset: "true" });
    const after = await readdir(join(dest, "blobs", "sha256"));
    expect(after.length).toBeLessThan(before);
    const { manifest } = await readCache(dest, "a");
    for (const layer of manifest.layers) expect(after).toContain(layer.digest.slice(7));
  });

  it("two exports into one directory at the same time keep both index.json entries (the lock)", async () => {
    const dest = join(dir, "shared");
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
    await Promise.all(
      ["one", "two", "three"].map((tag) => runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve({ dest, mode: "max", tag })], store })),
    );
    await store.leases.release(built.lease);
    const index = JSON.parse(await readFile(join(dest, "index.json"), "utf8"));
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"]).sort()).toEqual(["one", "three", "two"]);
    expect((await readdir(dest)).filter((f) => f.endsWith(".lock") || f.endsWith(".tmp"))).toEqual([]);
  });

  it("the index variant puts the config last, as BuildKit's image-manifest=false does", async () => {
    const dest = join(dir, "cache");
    await exportCache({ dest, mode: "max", "image-manifest": "false" });
    const index = JSON.parse(await readFile(join(dest, "index.json"), "utf8"));
    const root = JSON.parse(await readFile(join(dest, "blobs", "sha256", index.manifests[0].digest.slice(7)), "utf8"));
    expect(root.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(root.manifests.at(-1).mediaType).toBe("application/vnd.buildkit.cacheconfig.v0");
  });

  it.each([
    ["gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip"],
    ["zstd", "application/vnd.docker.image.rootfs.diff.tar.zstd"],
    ["uncompressed", "application/vnd.docker.image.rootfs.diff.tar"],
  ])("oci-mediatypes=false (%s) writes a Docker manifest list of Docker layer types, config last and unchanged", async (compression, layerType) => {
    const dest = join(dir, "cache");
    await exportCache({ dest, mode: "max", "oci-mediatypes": "false", compression, "force-compression": "true" });
    const index = JSON.parse(await readFile(join(dest, "index.json"), "utf8"));
    expect(index.manifests[0].mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
    const root = JSON.parse(await readFile(join(dest, "blobs", "sha256", index.manifests[0].digest.slice(7)), "utf8"));
    expect(root.mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
    expect(root.manifests.at(-1).mediaType).toBe("application/vnd.buildkit.cacheconfig.v0");
    expect(root.manifests.slice(0, -1).map((m: { mediaType: string }) => m.mediaType)).toEqual([layerType, layerType, layerType]);
  });

  it("exports nothing for an empty result", async () => {
    await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nENV A=1\n");
    const dest = join(dir, "empty");
    await exportCache({ dest });
    await expect(readdir(dest)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("an export aborted while it writes a new cache directory leaves nothing behind; into an existing one, the index stays whole", async () => {
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
    const outcome = await runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve({ dest: join(dir, "first"), mode: "max" })], store });
    await store.leases.release(built.lease);
    const root = JSON.parse(outcome.response["cache.manifest"]!);
    const { manifest } = await readCache(join(dir, "first"));
    const blobs = [manifest.config, ...manifest.layers];
    // A store whose second read aborts the export: the first blob is written by then.
    const controller = new AbortController();
    let reads = 0;
    const aborting = new Proxy(store, {
      get: (target, key) => (key === "read" ? (...args: Parameters<ContentStore["read"]>) => (++reads === 2 && controller.abort(), target.read(...args)) : Reflect.get(target, key)),
    });
    const parent = join(dir, "new");
    await expect(writeCacheDir(aborting, join(parent, "cache"), root, blobs, { tag: "latest", reset: false, signal: controller.signal })).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(reads).toBe(2);
    expect(await readdir(parent)).toEqual([]);

    const existing = join(dir, "first");
    const before = await readFile(join(existing, "index.json"), "utf8");
    const again = new AbortController();
    reads = 0;
    const abortingAgain = new Proxy(store, {
      get: (target, key) => (key === "read" ? (...args: Parameters<ContentStore["read"]>) => (++reads === 1 && again.abort(), target.read(...args)) : Reflect.get(target, key)),
    });
    await rm(join(existing, "blobs", "sha256", blobs[0].digest.slice(7)));
    await expect(writeCacheDir(abortingAgain, existing, root, blobs, { tag: "other", reset: false, signal: again.signal })).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(await readFile(join(existing, "index.json"), "utf8")).toBe(before);
  });

  it("checks its options", () => {
    expect(() => cacheExporter.resolve({})).toThrow(/"dest" is required/);
    expect(() => cacheExporter.resolve({ dest: "x", mode: "maximum" })).toThrow(/one of min, max/);
    expect(() => cacheExporter.resolve({ dest: "x", "oci-mediatypes": "false", "image-manifest": "true" })).toThrow(/needs OCI media types/);
  });
});
