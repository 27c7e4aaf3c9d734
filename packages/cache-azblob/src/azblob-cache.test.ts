import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { ProgressReporter, type CacheImporterInstance, type ImportedCache, type ProgressEvent } from "@exp/solver";
import { AZURITE_INSTALL_HINT, azuriteAvailable, skipUnless, startAzurite, startFaultProxy, type FaultProxy, type TestAzurite } from "@exp/testing";
import { describeExporterConformance } from "@exp/testing/vitest";
import { azblobConformanceOptions } from "./azblob-conformance.js";
import { cacheExporter } from "./azblob-cache-exporter.js";
import { cacheImporter } from "./azblob-cache-importer.js";
import { azuriteAttrs, committedNames, read } from "./azblob-test-support.js";

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("azblob cache against Azurite", () => {
  let azurite: TestAzurite;
  let dir: string;
  let context: string;
  const attrs = (extra: Record<string, string> = {}) => azuriteAttrs(azurite, extra);

  beforeAll(async () => {
    azurite = await startAzurite();
    dir = await mkdtemp(join(tmpdir(), "exp-cache-azblob-"));
    context = join(dir, "context");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "a.txt"), "a".repeat(10_000));
    await writeFile(join(context, "b.txt"), "b".repeat(10_000));
    await writeFile(join(context, "Dockerfile"), "FROM scratch AS side\nCOPY b.txt /side/\nFROM scratch\nCOPY a.txt /\nCOPY --from=side /side/b.txt /b.txt\n");
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function exportWith(a: Record<string, string>, storeName: string, events?: ProgressEvent[]) {
    const store = await openContentStore(join(dir, storeName));
    const built = await buildImage({ context, store, sourceDateEpoch: 1_700_000_000 });
    try {
      return await runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve(a)], store, ...(events ? { onProgress: (e: ProgressEvent) => events.push(e) } : {}) });
    } finally {
      await store.leases.release(built.lease);
    }
  }
  const load = async (instance: CacheImporterInstance, storeName: string) =>
    (await instance.load({ store: await openContentStore(join(dir, storeName)), progress: ProgressReporter.root(undefined), signal: new AbortController().signal })) as ImportedCache | undefined;

  it("creates the container, writes BuildKit's names, and a wiped store rebuilds from it as a full cache hit", async () => {
    expect(await committedNames(azurite, "fresh-container")).toEqual([]);
    await exportWith(attrs({ container: "fresh-container", mode: "max", name: "main;copy" }), "store-1");
    const names = await committedNames(azurite, "fresh-container");
    expect(names.filter((n) => n.startsWith("manifests/"))).toEqual(["manifests/copy", "manifests/main"]);
    const blobs = names.filter((n) => n.startsWith("blobs/"));
    expect(blobs.length).toBeGreaterThan(0);
    for (const name of blobs) expect(name).toMatch(/^blobs\/sha256:[0-9a-f]{64}$/);
    // Each blob holds exactly the bytes of its digest; the config names each with BuildKit's annotations.
    const config = JSON.parse((await read(azurite, "fresh-container", "manifests/main"))!.toString("utf8"));
    for (const layer of config.layers) {
      const bytes = (await read(azurite, "fresh-container", `blobs/${layer.blob}`))!;
      expect(`sha256:${createHash("sha256").update(bytes).digest("hex")}`).toBe(layer.blob);
      expect(layer.annotations).toMatchObject({ mediaType: expect.stringContaining("tar"), diffID: expect.stringMatching(/^sha256:/), size: bytes.length });
    }
    expect((await read(azurite, "fresh-container", "manifests/copy"))!.toString("utf8")).toBe(JSON.stringify(config));

    const second = await openContentStore(join(dir, "store-2"));
    const cache = (await cacheImporter.resolve(attrs({ container: "fresh-container", name: "main" })).load({ store: second, progress: ProgressReporter.root(undefined), signal: new AbortController().signal }))!;
    const rebuilt = await buildImage({ context, store: second, sourceDateEpoch: 1_700_000_000, cacheFrom: [cache] });
    expect(rebuilt.cached).toBe(true);
    const chunks: Buffer[] = [];
    for await (const chunk of await rebuilt.source.results[0]!.ref.layers[0]!.openTar({})) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString("latin1")).toContain("a".repeat(100));
    await second.leases.release(rebuilt.lease);
  });

  it("does not upload a blob already in the container again", async () => {
    await exportWith(attrs({ container: "again", mode: "max" }), "store-again");
    const proxy = await startFaultProxy({ target: `http://${azurite.host}` });
    try {
      const events: ProgressEvent[] = [];
      await exportWith(azuriteAttrs(azurite, { container: "again", mode: "max" }, `${proxy.url.replace(/\/$/, "")}/devstoreaccount1`), "store-again", events);
      const writes = proxy.stats.log.filter((e) => e.method === "PUT");
      // Only the cache config is written; every blob was found by its properties (HEAD).
      expect(writes.map((e) => decodeURIComponent(e.path.split("?")[0]!))).toEqual(["/devstoreaccount1/again/manifests/buildkit"]);
      const logs = events.flatMap((e) => (e.type === "log" ? [e.message] : []));
      expect(logs.some((m) => m.endsWith(": already present"))).toBe(true);
      expect(logs.some((m) => m.endsWith(": uploaded"))).toBe(false);
    } finally {
      await proxy.stop();
    }
  });

  it("mode=min exports only the result's layers, mode=max the other stage's too", async () => {
    await exportWith(attrs({ container: "modes", prefix: "min" }), "store-modes");
    await exportWith(attrs({ container: "modes", prefix: "max", mode: "max" }), "store-modes");
    const names = await committedNames(azurite, "modes");
    const blobs = (p: string) => names.filter((n) => n.startsWith(`${p}/blobs/`)).map((n) => n.slice(p.length + 7));
    expect(blobs("max").length).toBeGreaterThan(blobs("min").length);
    expect(blobs("max")).toEqual(expect.arrayContaining(blobs("min")));
  });

  it("puts blobs and manifests under prefix, blobs_prefix and manifests_prefix, joined as BuildKit's filepath.Join", async () => {
    await exportWith(attrs({ container: "prefixes", prefix: "team/app/", blobs_prefix: "layers", manifests_prefix: "configs/", name: "v1" }), "store-prefix");
    const names = await committedNames(azurite, "prefixes");
    expect(names).toContain("team/app/configs/v1");
    expect(names.filter((n) => n !== "team/app/configs/v1").every((n) => /^team\/app\/layers\/sha256:[0-9a-f]{64}$/.test(n))).toBe(true);
    const cache = await load(cacheImporter.resolve(attrs({ container: "prefixes", prefix: "team/app", blobs_prefix: "layers", manifests_prefix: "configs", name: "v1" })), "store-prefix-read");
    expect(cache?.results.size).toBeGreaterThan(0);
  });

  it("imports every name it is given and combines them; a name with no config adds nothing; no config at all is no cache", async () => {
    await exportWith(attrs({ container: "names", name: "only-a" }), "store-names");
    const both = await load(cacheImporter.resolve(attrs({ container: "names", name: "missing;only-a" })), "store-names-read");
    expect(both?.results.size).toBeGreaterThan(0);
    expect(await load(cacheImporter.resolve(attrs({ container: "names", name: "missing" })), "store-names-read")).toBeUndefined();
    // An import never creates the container it reads.
    expect(await load(cacheImporter.resolve(attrs({ container: "no-such-container" })), "store-names-read")).toBeUndefined();
    expect(await committedNames(azurite, "no-such-container")).toEqual([]);
  });

  it("a wrong key fails with a typed error that never shows it; ignore-error turns it into a warning", async () => {
    const wrong = Buffer.from("definitely-wrong-key-123").toString("base64");
    const failure = await exportWith(attrs({ container: "bad-key", secret_access_key: wrong }), "store-bad").catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_AZBLOB", status: 403 });
    expect((failure as Error).message).toMatch(/container bad-key.*\(HTTP 403\)/);
    expect((failure as Error).message).not.toContain(wrong);
    const ignored = await exportWith(attrs({ container: "bad-key", secret_access_key: wrong, "ignore-error": "true" }), "store-bad");
    expect(ignored.warnings.join("\n")).toMatch(/HTTP 403/);
    expect(ignored.warnings.join("\n")).not.toContain(wrong);
  });

  it("an export aborted mid-upload leaves no committed blob, only uncommitted blocks", async () => {
    const big = join(dir, "big");
    await mkdir(big, { recursive: true });
    await writeFile(join(big, "big.bin"), randomBytes(24 * 1024 * 1024));
    await writeFile(join(big, "Dockerfile"), "FROM scratch\nCOPY big.bin /\n");
    const proxy = await startFaultProxy({ target: `http://${azurite.host}`, rules: [{ match: { method: "PUT", path: /comp=block\b/ }, fault: { type: "delay", ms: 400 } }] });
    const store = await openContentStore(join(dir, "store-abort"));
    const built = await buildImage({ context: big, store });
    const controller = new AbortController();
    try {
      const exporting = runExport({
        source: built.source,
        exporters: [],
        cacheExporters: [cacheExporter.resolve(azuriteAttrs(azurite, { container: "aborted", mode: "max" }, `${proxy.url.replace(/\/$/, "")}/devstoreaccount1`))],
        store,
        signal: controller.signal,
        onProgress: (e) => {
          // The first bytes of a block going out: cancel then.
          if (e.type === "bytes" && e.current > 0 && !controller.signal.aborted) controller.abort(new Error("test cancel"));
        },
      });
      await expect(exporting).rejects.toBeDefined();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await committedNames(azurite, "aborted")).toEqual([]);
      expect(proxy.stats.log.some((e) => e.method === "PUT" && e.path.includes("comp=blocklist"))).toBe(false);
    } finally {
      await store.leases.release(built.lease);
      await proxy.stop();
    }
  }, 60_000);

  // In this file to share its Azurite.
  describe("conformance", () => {
    let proxy: FaultProxy;
    beforeAll(async () => {
      proxy = await startFaultProxy({ target: `http://${azurite.host}` });
    });
    afterAll(() => proxy?.stop());
    describeExporterConformance(azblobConformanceOptions(() => azurite, () => proxy, "conformance"));
  });
});
