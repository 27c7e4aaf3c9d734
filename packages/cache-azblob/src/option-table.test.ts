import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { imageExporter } from "@exp/exporter-image";
import { recordAttrReads, type CacheExporter } from "@exp/solver";
import { AZURITE_INSTALL_HINT, azuriteAvailable, cacheFingerprint, cacheWalkExport, requestsOverlap, skipUnless, writeCacheWalkContext, startAzurite, startFaultProxy, walkRow, type AttrWalkOptions, type CacheArtifact, type FaultProxy, type TestAzurite } from "@exp/testing";
import { describeAttrWalk } from "@exp/testing/vitest";
import { azblobCacheExporter } from "./azblob-cache-exporter.js";
import { azblobKeys } from "./options.js";
import { readContainers } from "./option-table/read-containers.js";
import { PROXY_URL, THROUGH_PROXY, UPLOADS_ONE_AT_A_TIME, UPLOADS_OVERLAP, azblobRows } from "./option-table/rows.js";

// Issue 13, point 2: every key of --cache-to type=azblob's option table, exported with and without
// into Azurite (a fresh container per export), the committed blobs read back compared as
// BuildKit's would differ. No key is exempt: account_url, account_name and secret_access_key are
// observable through the proxy or Azurite's refusal.
const exempt = {};
// Two tries, short delays: "broken-dest" (nothing listening) fails fast; nothing else is retried.
const cacheExporter = azblobCacheExporter({ maxTries: 2, tryTimeoutMs: 10_000, blockIdleTimeoutMs: 10_000, retryDelayMs: 20, maxRetryDelayMs: 100 });
const BROKEN_URL = "http://127.0.0.1:9/devstoreaccount1";
let azurite: TestAzurite;
let proxy: FaultProxy;
let dir: string;
let exports = 0;

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("azblob cache option table", () => {
  beforeAll(async () => {
    azurite = await startAzurite();
    // Requests through it are logged; each Put Block is held 150 ms, so uploads overlap when they may.
    proxy = await startFaultProxy({ target: `http://${azurite.host}` });
    proxy.setRules([{ match: { method: "PUT", path: /[?&]comp=block(&|$)/ }, fault: { type: "delay", ms: 150 } }]);
    dir = await mkdtemp(join(tmpdir(), "exp-cache-azblob-option-table-"));
    await writeCacheWalkContext(dir);
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describeAttrWalk("--cache-to type=azblob", azblobKeys.filter((k) => !Object.hasOwn(exempt, k)), () => options(cacheExporter));

  it("fails a cache exporter that drops prefix before applying it", async () => {
    const broken: CacheExporter = { ...cacheExporter, resolve: (attrs) => cacheExporter.resolve(Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== "prefix"))) };
    const findings = await walkRow(options(broken), azblobRows.find((row) => row.key === "prefix")!);
    expect(findings).toEqual([{ key: "prefix", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);
});

const proxyAccountUrl = () => `${proxy.url.replace(/\/$/, "")}/${azurite.accountName}`;

/**
 * One export into containers of its own: the rows' "main" and "other" are mapped to fresh
 * containers, which the export creates. "broken-dest" points account_url at a port nothing listens
 * on; "proxied" and account_url=PROXY_URL go through the proxy.
 */
async function exportWith(exporter: CacheExporter, attrs: Readonly<Record<string, string>>, variant: string | undefined): Promise<CacheArtifact> {
  const n = ++exports;
  const containers: Record<string, string> = { main: `walk-main-${n}`, other: `walk-other-${n}` };
  const accountUrl = variant === "broken-dest" ? BROKEN_URL : variant === "proxied" || attrs.account_url === PROXY_URL ? proxyAccountUrl() : attrs.account_url!;
  const resolved = { ...attrs, container: containers[attrs.container ?? "main"] ?? attrs.container!, account_url: accountUrl };
  proxy.reset();
  const error = await exportOnce(exporter, resolved, n, variant);
  const { files, existing } = await readContainers(azurite, containers);
  const facts = existing.map((name) => `container ${name}`);
  if (proxy.stats.requests > 0) facts.push(THROUGH_PROXY);
  if (variant === "proxied") facts.push(requestsOverlap(proxy.stats.log.filter((e) => e.method === "PUT" && /[?&]comp=block(&|$)/.test(e.path))) ? UPLOADS_OVERLAP : UPLOADS_ONE_AT_A_TIME);
  return { ...(error === undefined ? {} : { error }), files, facts };
}

function options(exporter: CacheExporter): AttrWalkOptions<CacheArtifact> {
  return {
    name: "cache exporter azblob",
    keys: azblobKeys,
    cases: azblobRows,
    exempt,
    attrs: { account_url: azurite.accountUrl, secret_access_key: azurite.accountKey, container: "main" },
    export: (attrs, variant) => exportWith(exporter, attrs, variant),
    fingerprint: cacheFingerprint,
    unread: (attrs) => recordAttrReads(() => exporter.resolve({ ...attrs, ...(attrs.account_url === PROXY_URL ? { account_url: proxyAccountUrl() } : {}) })).readers.flatMap((r) => r.unread()),
  };
}

/** The build and the export; the error's code, HTTP status and Azure error code, so a row can tell why the service refused. */
const exportOnce = cacheWalkExport({ openContentStore, buildImage, runExport, imageExporter }, () => dir, (failure) => {
  const { code, status, azureCode } = failure as { code?: string; status?: number; azureCode?: string };
  return [code ?? (failure as Error).name, ...(status === undefined ? [] : [String(status)]), ...(azureCode ? [azureCode] : [])].join(" ");
});
