import { readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Descriptor } from "@exp/oci-spec";
import { bytes, tempRoots } from "./__fixtures__/helpers.js";
import { tempPathFor } from "./atomic-write.js";
import { Layout } from "./layout.js";
import { openContentStore } from "./store.js";
import type { ContentStore } from "./types.js";

const roots = tempRoots();
afterEach(roots.cleanup);

const BLOB = "application/octet-stream";

async function put(store: ContentStore, seed: number): Promise<Descriptor> {
  const result = await store.writeBlob(bytes(100, seed));
  return { mediaType: BLOB, digest: result.digest, size: result.size };
}

describe("roots.delete({ ifDigest })", () => {
  it("removes the root only while it names that digest, and keeps one set again meanwhile", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const first = await put(store, 1);
    const second = await put(store, 2);
    await store.roots.set("image/app:1", second);
    expect(await store.roots.delete("image/app:1", { ifDigest: first.digest })).toBe(false);
    expect(await store.roots.get("image/app:1")).toEqual(second);
    // No temp file is left beside the kept root.
    expect(await readdir(new Layout(root).rootsDir)).toHaveLength(1);
    expect(await store.roots.delete("image/app:1", { ifDigest: second.digest })).toBe(true);
    expect(await store.roots.get("image/app:1")).toBeUndefined();
    expect(await store.roots.delete("image/app:1", { ifDigest: second.digest })).toBe(false);
    await expect(store.roots.delete("image/app:1", { ifDigest: "sha256:nope" as never })).rejects.toMatchObject({ code: "ERR_INVALID_DIGEST" });
  });
});

describe("roots.delete({ ifUnusedSince })", () => {
  it("keeps a root read (or set) after that time: a build found it since the caller looked", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const record = await put(store, 1);
    await store.roots.set("exp.cache/k", record);
    const seen = new Date(Date.now() - 3_600_000);
    await utimes(new Layout(root).rootPath("exp.cache/k"), seen, seen);
    // A build's cache lookup marks it used now.
    expect(await store.roots.get("exp.cache/k")).toEqual(record);
    expect(await store.roots.delete("exp.cache/k", { ifUnusedSince: seen })).toBe(false);
    expect(await store.roots.get("exp.cache/k")).toEqual(record);
    expect(await readdir(new Layout(root).rootsDir)).toHaveLength(1);
    expect(await store.roots.delete("exp.cache/k", { ifUnusedSince: new Date(Date.now() + 1000), ifDigest: record.digest })).toBe(true);
  });

  it("is what prune({ remove }) applies to roots given with lastUsedAt", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const [used, idle] = [await put(store, 1), await put(store, 2)];
    await store.roots.set("exp.cache/used", used);
    await store.roots.set("exp.cache/idle", idle);
    const seen = new Date(Date.now() - 3_600_000);
    for (const name of ["exp.cache/used", "exp.cache/idle"]) await utimes(new Layout(root).rootPath(name), seen, seen);
    await store.roots.get("exp.cache/used");
    const result = await store.prune({ remove: { roots: ["exp.cache/used", "exp.cache/idle"].map((name) => ({ name, lastUsedAt: seen })) } });
    expect(result).toMatchObject({ removedRoots: ["exp.cache/idle"], keptRoots: ["exp.cache/used"] });
    expect(result.gc.deleted).toEqual([idle.digest]);
  });
});

describe("gc and roots moved aside", () => {
  it("keeps what a root moved aside by a running remover names (and removes it once its writer is dead)", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const held = await put(store, 1);
    const layout = new Layout(root);
    // What deleteRoot leaves for a moment: the root under a temp name of this (live) process.
    const parked = tempPathFor(layout.rootPath("image/app:1"));
    await writeFile(parked, JSON.stringify({ name: "image/app:1", descriptor: held }) + "\n");
    expect((await store.gc()).deleted).toEqual([]);
    expect(await store.exists(held.digest)).toBe(true);
    const du = await store.du();
    expect(du.reclaimableBlobs).toBe(0);
    // A temp file being written (not JSON yet) holds nothing and does not stop gc.
    await writeFile(parked, '{"name":');
    expect((await store.gc()).deleted).toEqual([held.digest]);
  });
});

describe("prune({ remove })", () => {
  it("removes exactly the named history records and roots, keeps a root whose digest changed, then collects", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const [a, b, c, d] = [await put(store, 1), await put(store, 2), await put(store, 3), await put(store, 4)];
    await store.roots.set("exp.cache/a", a);
    await store.roots.set("exp.cache/b", b);
    await store.roots.set("image/app:1", c);
    await store.history.put({ id: "old", createdAt: new Date(0), results: [d] });
    await store.history.put({ id: "new", createdAt: new Date(), results: [] });

    const result = await store.prune({
      remove: {
        history: ["old", "missing"],
        roots: [{ name: "exp.cache/a", digest: a.digest }, { name: "exp.cache/b", digest: a.digest }, { name: "image/app:1" }],
      },
    });
    expect(result).toMatchObject({ removedHistory: ["old"], removedRoots: ["exp.cache/a", "image/app:1"], keptRoots: ["exp.cache/b"] });
    expect(result.gc.deleted).toEqual([a.digest, c.digest, d.digest].sort());
    expect((await store.roots.list()).map((r) => r.name)).toEqual(["exp.cache/b"]);
    expect((await store.history.list()).map((r) => r.id)).toEqual(["new"]);
    expect(await store.exists(b.digest)).toBe(true);
  });

  it("refuses olderThan with remove, and bad entries, before removing anything", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const a = await put(store, 1);
    await store.roots.set("exp.cache/a", a);
    await expect(store.prune({ olderThan: new Date(), remove: { history: [] } })).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    await expect(store.prune({ remove: { roots: [{ name: "exp.cache/a" }, { name: "" }] } })).rejects.toMatchObject({ code: "ERR_INVALID_NAME" });
    expect(await store.roots.get("exp.cache/a")).toEqual(a);
    expect(JSON.parse(await readFile(join(root, "meta", "roots", (await readdir(join(root, "meta", "roots")))[0]!), "utf8")).name).toBe("exp.cache/a");
  });
});
