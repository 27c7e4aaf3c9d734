import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { digestOf, type Digest } from "@exp/oci-spec";
import { ContentHashCache } from "../fs/index.js";
import { CacheRecords } from "./cache-records.js";
import { saveHashCache } from "./hash-cache-store.js";

// A record's blob is written, then its root set: a GC in between (another process's `exp prune`)
// must not collect it. The build's lease holds it across that window.

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-record-leases-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The window: the blob is in the store, its root not yet set (here: removed again), then a GC runs. */
async function survivesGcBeforeItsRoot(rootName: string): Promise<boolean> {
  const root = (await store.roots.get(rootName))!;
  await store.roots.delete(rootName);
  await store.gc();
  return store.exists(root.digest);
}

describe("record blobs are held by the build's lease until their root names them", () => {
  it("known chains (imported or base-image records)", async () => {
    const lease = await store.leases.create();
    const key = digestOf(Buffer.from("key")) as Digest;
    const blob = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: digestOf(Buffer.from("layer")), size: 5 };
    await new CacheRecords(store).putKnownChain(key, { layers: [{ diffID: digestOf(Buffer.from("diff")), blob }] }, { lease: lease.id });
    expect(await survivesGcBeforeItsRoot(`exp.cache-image/${key}`)).toBe(true);
  });

  /** A cache with one entry: an unchanged cache is not written at all. */
  const oneHash = () => {
    const cache = new ContentHashCache();
    cache.set({ dev: 1, ino: 2, size: 3, mtimeMs: 4, ctimeMs: 5 }, digestOf(Buffer.from("abc")) as Digest);
    return cache;
  };

  it("the context's file hashes", async () => {
    const lease = await store.leases.create();
    await saveHashCache(store, oneHash(), { lease: lease.id });
    expect(await survivesGcBeforeItsRoot("exp.hash-cache")).toBe(true);
  });

  it("and without a lease the same window loses the blob (what the lease prevents)", async () => {
    await saveHashCache(store, oneHash());
    expect(await survivesGcBeforeItsRoot("exp.hash-cache")).toBe(false);
  });
});
