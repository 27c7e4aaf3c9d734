import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { ProgressReporter, type ImportedCache } from "@exp/solver";
import { AZURITE_INSTALL_HINT, azuriteAvailable, skipUnless, startAzurite, startFaultProxy, type Fault, type FaultProxy, type TestAzurite } from "@exp/testing";
import { azblobCacheExporter } from "./azblob-cache-exporter.js";
import { azblobCacheImporter } from "./azblob-cache-importer.js";
import { azuriteAttrs, read } from "./azblob-test-support.js";

// The fault matrix the S3 backend passes (s3-faults.test.ts, upload/upload-blob.test.ts, and
// reliability/faults' flaky mix): 500, 503, 429, a request cut mid-body, a response cut mid-body,
// and a server that goes quiet, on every kind of request an export and an import make. Each must
// end in a complete cache whose blobs match their digests, read back as a full cache hit.

const MiB = 1024 * 1024;
const tuning = { retryDelayMs: 5, maxRetryDelayMs: 50, tryTimeoutMs: 1_500, blockIdleTimeoutMs: 1_500, blockSize: MiB };
const REQUESTS = [
  { name: "container properties", method: "GET", path: /restype=container(?!.*comp)/ },
  { name: "blob properties", method: "HEAD", path: /\/blobs\// },
  { name: "Put Block", method: "PUT", path: /comp=block&/ },
  { name: "Put Block List", method: "PUT", path: /comp=blocklist/ },
  { name: "Put Blob (config)", method: "PUT", path: /\/manifests\// },
  { name: "Get Blob (config)", method: "GET", path: /\/manifests\// },
  { name: "Get Blob (layer)", method: "GET", path: /\/blobs\// },
] as const;
const FAULTS: readonly Fault[] = [
  { type: "status", status: 500 },
  { type: "status", status: 503 },
  { type: "status", status: 429, retryAfter: 1 },
  { type: "reset-request", afterBytes: 8 * 1024 },
  { type: "reset-response", afterBytes: 64 },
  // Longer than a case may take (60 s): only the per-try timeout (withTryTimeout) gets a case through.
  { type: "delay", ms: 120_000 },
];

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("azblob cache through a fault proxy in front of Azurite", () => {
  let azurite: TestAzurite;
  let proxy: FaultProxy;
  let dir: string;
  let context: string;

  beforeAll(async () => {
    azurite = await startAzurite();
    proxy = await startFaultProxy({ target: `http://${azurite.host}` });
    dir = await mkdtemp(join(tmpdir(), "exp-azblob-faults-"));
    context = join(dir, "context");
    await mkdir(context, { recursive: true });
    // Random bytes do not compress: a layer of 3 blocks.
    await writeFile(join(context, "big.bin"), randomBytes(2.5 * MiB));
    await writeFile(join(context, "small.txt"), "small");
    await writeFile(join(context, "Dockerfile"), "FROM scratch\nCOPY big.bin /\nCOPY small.txt /\n");
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const faultName = (f: Fault) => (f.type === "status" ? String(f.status) : f.type);
  let n = 0;
  for (const request of REQUESTS) {
    for (const fault of FAULTS) {
      it(`${request.name}: ${faultName(fault)} on its first try`, async () => {
        const container = `faults-${++n}`;
        const attrs = azuriteAttrs(azurite, { container, mode: "max" }, `${proxy.url.replace(/\/$/, "")}/devstoreaccount1`);
        const store = await openContentStore(join(dir, `store-${n}`));
        const built = await buildImage({ context, store, sourceDateEpoch: 1_700_000_000 });
        proxy.setRules([{ match: { method: request.method, path: request.path }, nth: [1], fault }]);
        proxy.reset();
        try {
          await runExport({ source: built.source, exporters: [], cacheExporters: [azblobCacheExporter(tuning).resolve(attrs)], store });
          const config = JSON.parse((await read(azurite, container, "manifests/buildkit"))!.toString("utf8")) as { layers: Array<{ blob: string }> };
          for (const { blob } of config.layers) expect(`sha256:${createHash("sha256").update((await read(azurite, container, `blobs/${blob}`))!).digest("hex")}`).toBe(blob);
          const fresh = await openContentStore(join(dir, `fresh-${n}`));
          const cache = (await azblobCacheImporter(tuning).resolve(attrs).load({ store: fresh, progress: ProgressReporter.root(undefined), signal: new AbortController().signal })) as ImportedCache;
          const rebuilt = await buildImage({ context, store: fresh, sourceDateEpoch: 1_700_000_000, cacheFrom: [cache] });
          expect(rebuilt.cached).toBe(true);
          // Every layer's bytes come through the proxy, verified.
          for (const layer of rebuilt.source.results[0]!.ref.layers) for await (const _ of await layer.openTar({}));
          await fresh.leases.release(rebuilt.lease);
          const applicable = proxy.stats.log.some((e) => e.method === request.method && request.path.test(e.path));
          expect(applicable, `a ${request.name} was sent`).toBe(true);
          expect(proxy.stats.faults, "the fault was injected").toBe(1);
        } finally {
          proxy.setRules([]);
          await store.leases.release(built.lease);
        }
      }, 60_000);
    }
  }
});
