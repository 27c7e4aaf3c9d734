import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { ProgressReporter, type CacheImporterInstance, type ImportedCache, type ProgressEvent } from "@exp/solver";
import { AZURITE_INSTALL_HINT, azuriteAvailable, skipUnless, startAzurite, startFaultProxy, startGhaCache, type FaultProxy, type TestAzurite, type TestGhaCache } from "@exp/testing";
import { describeExporterConformance } from "@exp/testing/vitest";
import { ghaCacheExporter } from "./gha-cache-exporter.js";
import { cacheImporter } from "./gha-cache-importer.js";
import { ghaConformanceOptions } from "./gha-conformance.js";
import { GHA_CONTAINER, entryBody } from "./gha-test-support.js";
import { ENTRY_VERSION, indexKey } from "./keys.js";

const FEATURE = "refs/heads/feature";
const MAIN = "refs/heads/main";
const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
// Short waits, so that throttling and retries fit a test.
const exporter = ghaCacheExporter({ azblob: { maxTries: 4, tryTimeoutMs: 10_000, blockSize: 4 * 1024 * 1024, blockConcurrency: 2, blockIdleTimeoutMs: 10_000, retryDelayMs: 50, maxRetryDelayMs: 500 } });

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("gha cache through the v2 protocol server, bodies in Azurite", () => {
  let azurite: TestAzurite;
  let gha: TestGhaCache;
  let dir: string;
  let context: string;
  let featureToken: string;
  let mainToken: string;

  beforeAll(async () => {
    azurite = await startAzurite();
    gha = await startGhaCache({ azurite, container: GHA_CONTAINER });
    featureToken = gha.token([{ scope: FEATURE, permission: 3 }, { scope: MAIN, permission: 1 }]);
    mainToken = gha.token([{ scope: MAIN, permission: 3 }]);
    dir = await mkdtemp(join(tmpdir(), "exp-cache-gha-"));
    context = join(dir, "context");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "a.txt"), "a".repeat(10_000));
    await writeFile(join(context, "b.txt"), "b".repeat(10_000));
    await writeFile(join(context, "Dockerfile"), "FROM scratch AS side\nCOPY b.txt /side/\nFROM scratch\nCOPY a.txt /\nCOPY --from=side /side/b.txt /b.txt\n");
  }, 60_000);
  afterAll(async () => {
    await gha?.stop();
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const attrs = (token: string, extra: Record<string, string> = {}) => ({ token, url_v2: gha.url, ...extra });

  async function exportWith(a: Record<string, string>, storeName: string, events?: ProgressEvent[]) {
    const store = await openContentStore(join(dir, storeName));
    const built = await buildImage({ context, store, sourceDateEpoch: 1_700_000_000 });
    try {
      return await runExport({ source: built.source, exporters: [], cacheExporters: [exporter.resolve(a)], store, ...(events ? { onProgress: (e: ProgressEvent) => events.push(e) } : {}) });
    } finally {
      await store.leases.release(built.lease);
    }
  }
  const load = async (instance: CacheImporterInstance, storeName: string) =>
    (await instance.load({ store: await openContentStore(join(dir, storeName)), progress: ProgressReporter.root(undefined), signal: new AbortController().signal })) as ImportedCache | undefined;

  it("writes BuildKit's entries (keys, version, config with layer annotations), and a wiped store rebuilds from them as a full cache hit", async () => {
    await exportWith(attrs(featureToken, { scope: "roundtrip", mode: "max" }), "store-1");
    const index = `${indexKey(FEATURE, "roundtrip")}#1`;
    const entries = gha.entries();
    expect(entries.filter((e) => e.key.startsWith("index-roundtrip-")).map((e) => e.key)).toEqual([index]);
    for (const e of entries) expect(e).toMatchObject({ version: ENTRY_VERSION, scope: FEATURE, finalized: true });
    const config = JSON.parse((await entryBody(azurite, gha, index)).toString("utf8")) as { layers: Array<{ blob: string; annotations: { size: number; diffID: string; mediaType: string } }> };
    expect(config.layers.length).toBeGreaterThan(1);
    for (const layer of config.layers) {
      const bytes = await entryBody(azurite, gha, `buildkit-blob-1-${layer.blob}`);
      expect(sha256(bytes)).toBe(layer.blob);
      expect(layer.annotations).toMatchObject({ size: bytes.length, diffID: expect.stringMatching(/^sha256:/), mediaType: expect.stringContaining("tar") });
    }

    const second = await openContentStore(join(dir, "store-2"));
    const cache = (await cacheImporter.resolve(attrs(featureToken, { scope: "roundtrip" })).load({ store: second, progress: ProgressReporter.root(undefined), signal: new AbortController().signal }))!;
    const rebuilt = await buildImage({ context, store: second, sourceDateEpoch: 1_700_000_000, cacheFrom: [cache] });
    expect(rebuilt.cached).toBe(true);
    const chunks: Buffer[] = [];
    for await (const chunk of await rebuilt.source.results[0]!.ref.layers[0]!.openTar({})) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString("latin1")).toContain("a".repeat(100));
    await second.leases.release(rebuilt.lease);
  });

  it("a second export uploads no blob again and saves the index as the next number, which an import then reads", async () => {
    await exportWith(attrs(featureToken, { scope: "again", mode: "max" }), "store-again");
    const mark = gha.requests.length;
    const events: ProgressEvent[] = [];
    await exportWith(attrs(featureToken, { scope: "again", mode: "max" }), "store-again", events);
    const created = gha.requests.slice(mark).filter((r) => r.rpc === "CreateCacheEntry").map((r) => (r.body as { key: string }).key);
    expect(created).toEqual([`${indexKey(FEATURE, "again")}#2`]);
    const logs = events.flatMap((e) => (e.type === "log" ? [e.message] : []));
    expect(logs.some((m) => m.endsWith(": already present"))).toBe(true);
    expect(logs.some((m) => m.endsWith(": uploaded"))).toBe(false);
    const lookedUp = gha.requests.length;
    expect(await load(cacheImporter.resolve(attrs(featureToken, { scope: "again" })), "store-again-read")).toBeDefined();
    const lookups = gha.requests.slice(lookedUp).filter((r) => r.rpc === "GetCacheEntryDownloadURL");
    expect(lookups.map((r) => (r.body as { key: string }).key)).toEqual([indexKey(FEATURE, "again"), indexKey(MAIN, "again")]);
  });

  it("a branch reads the default branch's cache as a fallback, and never another branch's", async () => {
    await exportWith(attrs(mainToken, { scope: "fallback" }), "store-main");
    expect((await load(cacheImporter.resolve(attrs(featureToken, { scope: "fallback" })), "store-fallback"))?.results.size).toBeGreaterThan(0);
    const other = gha.token([{ scope: "refs/heads/other", permission: 3 }]);
    expect(await load(cacheImporter.resolve(attrs(other, { scope: "fallback" })), "store-other")).toBeUndefined();
  });

  it("several scopes: an export writes each one's index, an import combines them", async () => {
    await exportWith(attrs(featureToken, { scope: "one;two" }), "store-scopes");
    const keys = gha.entries().map((e) => e.key);
    expect(keys).toEqual(expect.arrayContaining([`${indexKey(FEATURE, "one")}#1`, `${indexKey(FEATURE, "two")}#1`]));
    expect((await load(cacheImporter.resolve(attrs(featureToken, { scope: "missing;two" })), "store-scopes-read"))?.results.size).toBeGreaterThan(0);
  });

  it("waits out the service's 429 Retry-After and completes; a Retry-After longer than timeout fails naming it", async () => {
    gha.throttle(2, 1, "CreateCacheEntry");
    const started = Date.now();
    await exportWith(attrs(featureToken, { scope: "throttled" }), "store-throttled");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(gha.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(2);

    gha.throttle(1, 30, "GetCacheEntryDownloadURL");
    const failure = await exportWith(attrs(featureToken, { scope: "throttled-out", timeout: "2s" }), "store-throttled-2").catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_GHA_CACHE", status: 429 });
    expect((failure as Error).message).toMatch(/a wait of 30 s.*raise timeout=/);
  });

  it("a token that may not write fails the export with a typed error before any upload; ignore-error makes it a warning", async () => {
    const readOnly = gha.token([{ scope: MAIN, permission: 1 }]);
    const failure = await exportWith(attrs(readOnly, { scope: "readonly" }), "store-ro").catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_GHA_CACHE" });
    expect((failure as Error).message).toMatch(/may write no scope.*refs\/heads\/main \(read\)/);
    expect(gha.entries().some((e) => e.key.startsWith("index-readonly-"))).toBe(false);
    const ignored = await exportWith(attrs(readOnly, { scope: "readonly", "ignore-error": "true" }), "store-ro");
    expect(ignored.warnings.join("\n")).toMatch(/may write no scope/);
  });

  it("a token the service refuses is a 401 that names the token, never shows it", async () => {
    const forged = `${featureToken.slice(0, -4)}AAAA`;
    const failure = await exportWith(attrs(forged, { scope: "forged" }), "store-forged").catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_GHA_CACHE", status: 401 });
    expect((failure as Error).message).toMatch(/runtime token was refused/);
    expect(JSON.stringify(failure) + String(failure)).not.toContain(forged);
  });

  // In this file to share its Azurite: a service of its own whose signed URLs lead through a proxy.
  describe("conformance", () => {
    let world: { azurite: TestAzurite; gha: TestGhaCache; rpcProxy: FaultProxy; blobProxy: FaultProxy; token: string };
    beforeAll(async () => {
      const blobProxy = await startFaultProxy({ target: `http://${azurite.host}` });
      const proxied = await startGhaCache({ azurite, container: GHA_CONTAINER, blobEndpoint: `${blobProxy.url.replace(/\/$/, "")}/${azurite.accountName}` });
      const rpcProxy = await startFaultProxy({ target: proxied.url });
      world = { azurite, gha: proxied, rpcProxy, blobProxy, token: proxied.token([{ scope: FEATURE, permission: 3 }]) };
    });
    afterAll(async () => {
      await world?.rpcProxy.stop();
      await world?.gha.stop();
      await world?.blobProxy.stop();
    });
    describeExporterConformance(ghaConformanceOptions(() => world));
  });
});
