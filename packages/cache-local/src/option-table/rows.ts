import { expect } from "vitest";
import { cacheEntry, type AttrCase, type CacheArtifact } from "@exp/testing";
import { cacheExportRows } from "@exp/testing/vitest";
import { cacheExportKeys } from "../cache-options.js";

/** A blob no index.json entry names, put in the destination by the "stale" variant. */
export const STALE_BLOB = "blobs/sha256/0000000000000000000000000000000000000000000000000000000000000000";
const MAX = { mode: "max" };

/** The keys every cache exporter shares come from @exp/testing (the registry cache walks them too); tag and reset are the local cache's own. */
export const localCacheRows: readonly AttrCase<CacheArtifact>[] = [
  ...cacheExportRows(cacheExportKeys),
  {
    key: "tag",
    base: MAX,
    with: { tag: "v2" },
    expect: "index.json's entry named v2 instead of latest, the same cache",
    differs: (without, withIt) => {
      expect(() => cacheEntry(withIt, "latest")).toThrow(/no latest entry/);
      expect(cacheEntry(withIt, "v2").digest).toBe(cacheEntry(without, "latest").digest);
    },
  },
  {
    key: "reset",
    base: MAX,
    with: { reset: "true" },
    variant: "stale",
    expect: "the blob no index.json entry names deleted",
    differs: (without, withIt) => {
      expect(without.files.has(STALE_BLOB)).toBe(true);
      expect(withIt.files.has(STALE_BLOB)).toBe(false);
      expect(cacheEntry(withIt).digest).toBe(cacheEntry(without).digest);
    },
  },
];
