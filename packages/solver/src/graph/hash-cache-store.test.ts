import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { digestOf, type Digest } from "@exp/oci-spec";
import { ContentHashCache } from "../fs/index.js";
import { loadHashCache, saveHashCache } from "./hash-cache-store.js";

let dir: string;
let store: ContentStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-hash-cache-store-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const file = (ino: number) => ({ dev: 1, ino, size: 10, mtimeMs: 1.5, ctimeMs: 2.25 });
const digest = (n: number) => digestOf(Buffer.from(`content ${n}`)) as Digest;

describe("the persisted hash cache", () => {
  it("writes in slices exactly the JSON of its entries, which loads back whole", async () => {
    const cache = new ContentHashCache();
    // More than one slice (2,000 entries each), xattrs on some.
    for (let i = 0; i < 4_500; i++) cache.set(file(i), digest(i), i % 3 === 0 ? { "security.capability": "AQ==" } : i % 3 === 1 ? null : undefined);
    await saveHashCache(store, cache);
    const root = (await store.roots.get("exp.hash-cache"))!;
    expect((await store.readAll(root.digest)).toString("utf8")).toBe(JSON.stringify(cache.entries()));
    const loaded = await loadHashCache(store);
    expect(loaded.size).toBe(4_500);
    expect(loaded.get(file(4_499))).toBe(digest(4_499));
    expect(loaded.knownXattrs(file(3))).toEqual({ "security.capability": "AQ==" });
    expect(loaded.knownXattrs(file(4))).toBeNull();
  });

  it("is not written again when a build changed nothing in it (a warm rebuild), and is when it did", async () => {
    const cache = new ContentHashCache();
    cache.set(file(1), digest(1), null);
    await saveHashCache(store, cache);
    const first = (await store.roots.get("exp.hash-cache"))!;

    const warm = await loadHashCache(store);
    expect(warm.changed).toBe(false);
    expect(warm.get(file(1))).toBe(digest(1));
    warm.set(file(1), digest(1), null); // the same hash recorded again
    expect(warm.changed).toBe(false);
    await saveHashCache(store, warm);
    expect((await store.roots.get("exp.hash-cache"))!.digest).toBe(first.digest);

    warm.set(file(2), digest(2), null);
    expect(warm.changed).toBe(true);
    await saveHashCache(store, warm);
    expect((await store.roots.get("exp.hash-cache"))!.digest).not.toBe(first.digest);
    expect((await loadHashCache(store)).size).toBe(2);
  });

  it("counts new xattrs for a known file as a change (an old cache learning them)", async () => {
    const cache = new ContentHashCache();
    cache.load([["1:1:10:1.5:2.25", digest(1)]]);
    expect(cache.changed).toBe(false);
    cache.set(file(1), digest(1), null);
    expect(cache.changed).toBe(true);
  });
});
