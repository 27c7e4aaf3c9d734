import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { imageExporter } from "@exp/exporter-image";
import { recordAttrReads, type CacheExporter } from "@exp/solver";
import { AZURITE_INSTALL_HINT, azuriteAvailable, cacheFingerprint, cacheWalkExport, skipUnless, writeCacheWalkContext, startAzurite, startGhaCache, walkRow, type AttrWalkOptions, type CacheArtifact, type TestAzurite } from "@exp/testing";
import { describeAttrWalk } from "@exp/testing/vitest";
import { ghaCacheExporter } from "./gha-cache-exporter.js";
import { entryBody } from "./gha-test-support.js";
import { fakeRuntimeToken } from "./test-token.js";
import { ghaKeys } from "./options.js";
import { FEATURE_BRANCH_TOKEN, OTHER_BRANCH_TOKEN, SERVICE_URL, ghaRows } from "./option-table/rows.js";

// Issue 16: every key of --cache-to type=gha's option table, exported with and without through a
// cache service of its own (bodies in Azurite), the entries read back compared as BuildKit's would differ.
const exempt = { url_v2: "required by every export: the test service is the only one the tests reach (url's row shows which URL exp talks to)" };
const cacheExporter = ghaCacheExporter({ azblob: { maxTries: 2, tryTimeoutMs: 10_000, blockSize: 4 * 1024 * 1024, blockConcurrency: 2, blockIdleTimeoutMs: 10_000, retryDelayMs: 20, maxRetryDelayMs: 100 } });
let azurite: TestAzurite;
let dir: string;
let exports = 0;

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("gha cache option table", () => {
  beforeAll(async () => {
    azurite = await startAzurite();
    dir = await mkdtemp(join(tmpdir(), "exp-cache-gha-option-table-"));
    await writeCacheWalkContext(dir);
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describeAttrWalk("--cache-to type=gha", ghaKeys.filter((k) => !Object.hasOwn(exempt, k)), () => options(cacheExporter));

  it("fails a cache exporter that drops scope before applying it", async () => {
    const broken: CacheExporter = { ...cacheExporter, resolve: (attrs) => cacheExporter.resolve(Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== "scope"))) };
    const findings = await walkRow(options(broken), ghaRows.find((row) => row.key === "scope")!);
    expect(findings).toEqual([{ key: "scope", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);
});

/**
 * One export through a service of its own (a container of its own in Azurite): the artifact is the
 * entries it finalized, by key, with each one's scope and version as facts. "broken-dest" points at
 * a port nothing listens on; "throttled" answers the first lookup with 429, Retry-After: 1.
 */
async function exportWith(exporter: CacheExporter, attrs: Readonly<Record<string, string>>, variant: string | undefined): Promise<CacheArtifact> {
  const n = ++exports;
  const gha = await startGhaCache({ azurite, container: `walk-${n}` });
  try {
    const tokens: Record<string, string> = {
      [FEATURE_BRANCH_TOKEN]: gha.token([{ scope: "refs/heads/feature", permission: 3 }, { scope: "refs/heads/main", permission: 1 }]),
      [OTHER_BRANCH_TOKEN]: gha.token([{ scope: "refs/heads/other", permission: 3 }]),
    };
    const place = (value: string) => (value === SERVICE_URL ? (variant === "broken-dest" ? "http://127.0.0.1:9/" : gha.url) : (tokens[value] ?? value));
    const resolved = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, place(v)]));
    if (variant === "throttled") gha.throttle(1, 1, "GetCacheEntryDownloadURL");
    const error = await exportOnce(exporter, resolved, n, variant);
    const files = new Map<string, Buffer>();
    const facts: string[] = [];
    for (const entry of gha.entries().filter((e) => e.finalized)) {
      files.set(entry.key, await entryBody(azurite, gha, entry.key, `walk-${n}`));
      facts.push(`${entry.key} scope ${entry.scope} version ${entry.version}`);
    }
    return { ...(error === undefined ? {} : { error }), files, facts: facts.sort() };
  } finally {
    await gha.stop();
  }
}

function options(exporter: CacheExporter): AttrWalkOptions<CacheArtifact> {
  return {
    name: "cache exporter gha",
    keys: ghaKeys,
    cases: ghaRows,
    exempt,
    attrs: { token: FEATURE_BRANCH_TOKEN, url_v2: SERVICE_URL },
    export: (attrs, variant) => exportWith(exporter, attrs, variant),
    fingerprint: cacheFingerprint,
    // Placeholders replaced by values that resolve (no service is called); a refused value throws
    // after its key was read, which is what this check looks at.
    unread: (attrs) =>
      recordAttrReads(() => {
        try {
          exporter.resolve(Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v === SERVICE_URL ? "http://127.0.0.1:9/" : v === FEATURE_BRANCH_TOKEN || v === OTHER_BRANCH_TOKEN ? fakeRuntimeToken([{ Scope: "refs/heads/feature", Permission: 3 }]) : v])));
        } catch {
          // Refused: reported by the row itself.
        }
      }).readers.flatMap((r) => r.unread()),
  };
}

/** The build and the export; the error's code, if it failed. */
const exportOnce = cacheWalkExport({ openContentStore, buildImage, runExport, imageExporter }, () => dir);
