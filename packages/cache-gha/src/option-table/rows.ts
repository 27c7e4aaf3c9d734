import { expect } from "vitest";
import { cacheJson, type AttrCase, type CacheArtifact, type CacheDescriptor } from "@exp/testing";
import { cacheExportRows, type CacheView } from "@exp/testing/vitest";

type Row = AttrCase<CacheArtifact>;

export const SERVICE_URL = "<service>";
export const FEATURE_BRANCH_TOKEN = "<token refs/heads/feature>";
export const OTHER_BRANCH_TOKEN = "<token refs/heads/other>";
interface CacheConfig {
  layers: Array<{ blob: string; annotations?: { mediaType?: string; size?: number } }>;
}

/** The artifact's files are the export's finalized entries, by key; its facts say each entry's scope and version. */
const indexOf = (cache: CacheArtifact) => [...cache.files.keys()].find((k) => k.startsWith("index-"));
const blobs = (cache: CacheArtifact) => [...cache.files.keys()].filter((k) => k.startsWith("buildkit-blob-1-")).sort();

/** gha has no cache manifest: the layers are its index's cache config, with their annotations (gha.go Finalize). */
export const ghaView: CacheView = {
  layers: (cache) => {
    const index = indexOf(cache);
    if (index === undefined) return [];
    return cacheJson<CacheConfig>(cache, index).layers.map((l): CacheDescriptor => ({ digest: l.blob, mediaType: l.annotations?.mediaType ?? "", size: l.annotations?.size ?? 0 }));
  },
  rootMediaType: () => "application/json",
  present: (cache) => indexOf(cache) !== undefined,
};

/** The same blob entries, and the index under another key with the same bytes. */
function indexRenamed(from: RegExp, to: RegExp) {
  return (without: CacheArtifact, withIt: CacheArtifact) => {
    expect(without.error).toBeUndefined();
    expect(withIt.error).toBeUndefined();
    expect(indexOf(without)).toMatch(from);
    expect(indexOf(withIt)).toMatch(to);
    expect(withIt.files.get(indexOf(withIt)!)?.equals(without.files.get(indexOf(without)!)!)).toBe(true);
    expect(blobs(withIt)).toEqual(blobs(without));
  };
}

/** A row whose value exp refuses before anything is sent (BuildKit would take it; exp says why not). */
function refused(key: string, value: string, why: string): Row {
  return {
    key,
    with: { [key]: value },
    expect: `refused: ${why}`,
    differs: (without, withIt) => {
      expect(without.error).toBeUndefined();
      expect(withIt.error).toBe("ERR_INVALID_OPTION");
      expect(withIt.files.size).toBe(0);
    },
  };
}

/**
 * The rows of BuildKit's cache/remotecache/gha keys (getConfig in gha.go), plus mode and
 * ignore-error, which solver/llbsolver reads for every cache exporter. Each export has a service of
 * its own, so attributes name it by placeholder: SERVICE_URL is its URL, FEATURE_BRANCH_TOKEN and
 * OTHER_BRANCH_TOKEN runtime tokens it signs for refs/heads/feature and refs/heads/other. Variant
 * "throttled": the service answers the first lookup with 429 and Retry-After: 1.
 */
export const ghaRows: readonly Row[] = [
  ...cacheExportRows(["mode", "ignore-error"], ghaView),
  ...ownRows().map((row) => ({ ...row, base: { mode: "max", ...row.base } })),
];

function ownRows(): Row[] {
  return [
    {
      key: "scope",
      with: { scope: "app" },
      expect: "the index saved as index-app-1-… instead of index-buildkit-1-…, the same blob entries",
      differs: indexRenamed(/^index-buildkit-1-[0-9a-f]{8}#1$/, /^index-app-1-[0-9a-f]{8}#1$/),
    },
    {
      key: "token",
      with: { token: OTHER_BRANCH_TOKEN },
      // gha.go indexKey: the index is named after the token's write scope (a hash of the branch).
      expect: "the index named after the other token's branch (refs/heads/other), saved in that branch's scope",
      differs: (without, withIt) => {
        indexRenamed(/^index-buildkit-1-/, /^index-buildkit-1-/)(without, withIt);
        expect(indexOf(withIt)).not.toBe(indexOf(without));
        expect((withIt.facts ?? []).filter((f) => f.startsWith("index-"))).toEqual([expect.stringContaining("scope refs/heads/other")]);
      },
    },
    {
      key: "url",
      // BuildKit's getConfig: for v2, `url` is used when url_v2 is empty.
      base: { version: "2", url_v2: "" },
      with: { url: SERVICE_URL },
      expect: "the cache saved through the service `url` names, instead of failing for want of a URL",
      differs: (without, withIt) => {
        expect(without.error).toBe("ERR_MISSING_OPTION");
        expect(withIt.error).toBeUndefined();
        expect(ghaView.present(withIt)).toBe(true);
      },
    },
    {
      key: "timeout",
      with: { timeout: "500ms" },
      variant: "throttled",
      // go-actions-cache's doWithRetries: a Retry-After that would pass the deadline fails the call.
      expect: "the export fails instead of waiting out a 1 s Retry-After",
      differs: (without, withIt) => {
        expect(without.error).toBeUndefined();
        expect(withIt.error).toBe("ERR_GHA_CACHE");
        expect(ghaView.present(withIt)).toBe(false);
      },
    },
    refused("version", "1", "GitHub's legacy cache service is shut down; exp speaks v2 only"),
    refused("repository", "acme/app", "exp does not list keys through GitHub's REST API"),
    refused("ghtoken", "ghp_walk", "exp does not list keys through GitHub's REST API"),
  ];
}
