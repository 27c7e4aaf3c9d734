import { mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { ociExporter } from "@exp/exporter-oci";
import { ProgressReporter, type ImportedCache } from "@exp/solver";
import { cacheExporter } from "./local-cache-exporter.js";
import { cacheImporter } from "./local-cache-importer.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-cache-roundtrip-"));
  const context = join(dir, "context");
  await mkdir(join(context, "assets"), { recursive: true });
  await writeFile(join(context, "assets", "logo.svg"), "<svg/>");
  await writeFile(join(context, "app.js"), "console.log(1)");
  await writeFile(join(context, "Dockerfile"), "FROM scratch AS assets\nCOPY assets/ /assets/\nFROM scratch\nCOPY app.js /app/\nCOPY --from=assets /assets /srv/assets\nCMD [\"/app/app.js\"]\n");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function load(src: string, store: ContentStore): Promise<ImportedCache> {
  const cache = await cacheImporter.resolve({ src }).load({ signal: new AbortController().signal, store, progress: ProgressReporter.root(undefined) });
  if (!cache) throw new Error("no cache");
  return cache;
}

async function build(store: ContentStore, cacheFrom?: ImportedCache[]) {
  return buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000, ...(cacheFrom ? { cacheFrom } : {}) });
}

describe("local cache round trip", () => {
  it("a wiped store rebuilds from the exported cache: every step hits, nothing is written, the image digest is the same", async () => {
    const first = await openContentStore(join(dir, "store-1"));
    const built = await build(first);
    const exported = await runExport({ source: built.source, exporters: [ociExporter.resolve({ dest: join(dir, "one.tar") })], cacheExporters: [cacheExporter.resolve({ dest: join(dir, "cache"), mode: "max" })], store: first });
    await first.leases.release(built.lease);

    const second = await openContentStore(join(dir, "store-2"));
    const rebuilt = await build(second, [await load(join(dir, "cache"), second)]);
    expect(rebuilt.cached).toBe(true);
    // Lazy: nothing was downloaded or written for the layers.
    expect(await second.findByLabel("containerd.io/uncompressed")).toEqual([]);
    const again = await runExport({ source: rebuilt.source, exporters: [ociExporter.resolve({ dest: join(dir, "two.tar") })], store: second });
    expect(again.response["containerimage.digest"]).toBe(exported.response["containerimage.digest"]);
    // Exporting needed the bytes, so now (and only now) the blobs came from the cache.
    expect((await second.findByLabel("containerd.io/uncompressed")).length).toBeGreaterThan(0);
    await second.leases.release(rebuilt.lease);
  });

  it.each([["zstd"], ["uncompressed"]])("round-trips a %s cache to the same image (force-compression)", async (compression) => {
    const first = await openContentStore(join(dir, `store-${compression}-1`));
    const built = await build(first);
    const exported = await runExport({
      source: built.source,
      exporters: [ociExporter.resolve({ dest: join(dir, `${compression}-1.tar`), compression, "force-compression": "true" })],
      cacheExporters: [cacheExporter.resolve({ dest: join(dir, `cache-${compression}`), mode: "min" })],
      store: first,
    });
    await first.leases.release(built.lease);
    const second = await openContentStore(join(dir, `store-${compression}-2`));
    const rebuilt = await build(second, [await load(join(dir, `cache-${compression}`), second)]);
    expect(rebuilt.cached).toBe(true);
    const again = await runExport({ source: rebuilt.source, exporters: [ociExporter.resolve({ dest: join(dir, `${compression}-2.tar`), compression, "force-compression": "true" })], store: second });
    expect(again.response["containerimage.digest"]).toBe(exported.response["containerimage.digest"]);
    await second.leases.release(rebuilt.lease);
  });

  it("a Docker manifest list cache (oci-mediatypes=false) imports: every step hits and the image digest is the same", async () => {
    const first = await openContentStore(join(dir, "store-1"));
    const built = await build(first);
    const exported = await runExport({ source: built.source, exporters: [ociExporter.resolve({ dest: join(dir, "one.tar") })], cacheExporters: [cacheExporter.resolve({ dest: join(dir, "cache"), mode: "max", "oci-mediatypes": "false" })], store: first });
    await first.leases.release(built.lease);
    const second = await openContentStore(join(dir, "store-2"));
    const cache = await load(join(dir, "cache"), second);
    expect(cache.results.size).toBe(3);
    const rebuilt = await build(second, [cache]);
    expect(rebuilt.cached).toBe(true);
    const again = await runExport({ source: rebuilt.source, exporters: [ociExporter.resolve({ dest: join(dir, "two.tar") })], store: second });
    expect(again.response["containerimage.digest"]).toBe(exported.response["containerimage.digest"]);
    await second.leases.release(rebuilt.lease);
  });

  it("re-exports a cache after importing one (the CI loop), with the same records", async () => {
    const first = await openContentStore(join(dir, "store-1"));
    const built = await build(first);
    await runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve({ dest: join(dir, "cache-a"), mode: "max" })], store: first });
    const second = await openContentStore(join(dir, "store-2"));
    const rebuilt = await build(second, [await load(join(dir, "cache-a"), second)]);
    await runExport({ source: rebuilt.source, exporters: [], cacheExporters: [cacheExporter.resolve({ dest: join(dir, "cache-b"), mode: "max" })], store: second });
    const { readFile } = await import("node:fs/promises");
    const manifest = async (d: string) => {
      const index = JSON.parse(await readFile(join(d, "index.json"), "utf8"));
      return index.manifests[0].digest;
    };
    // Same records, same blobs, same sorting: the same cache manifest.
    expect(await manifest(join(dir, "cache-b"))).toBe(await manifest(join(dir, "cache-a")));
  });

  it("a missing cache is no cache, and a deleted blob only drops that result", async () => {
    const store = await openContentStore(join(dir, "store"));
    expect(await cacheImporter.resolve({ src: join(dir, "nowhere") }).load({ signal: new AbortController().signal, store, progress: ProgressReporter.root(undefined) })).toBeUndefined();
    const built = await build(store);
    await runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve({ dest: join(dir, "cache"), mode: "max" })], store });
    const cache = await load(join(dir, "cache"), store);
    const all = cache.results.size;
    const victim = [...cache.results.values()].find((chain) => chain.length === 1)!;
    await unlink(join(dir, "cache", "blobs", "sha256", victim[0]!.descriptor.digest.slice(7)));
    expect((await load(join(dir, "cache"), store)).results.size).toBeLessThan(all);
  });
});
