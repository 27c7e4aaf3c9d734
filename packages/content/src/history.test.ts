import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { sha256, tempRoots } from "./__fixtures__/helpers.js";
import { CorruptMetadataError, InvalidArgumentError } from "./errors.js";
import { openContentStore } from "./store.js";
import type { ContentStore } from "./types.js";

const roots = tempRoots();
afterEach(roots.cleanup);

async function open() {
  const root = await roots.make();
  return { root, store: await openContentStore(root) };
}

async function blob(store: ContentStore, text: string): Promise<Descriptor> {
  const { digest, size } = await store.writeBlob(text);
  return { mediaType: "application/octet-stream", digest, size };
}

describe("history", () => {
  it("put, get, overwrite, list oldest first, delete", async () => {
    const { store } = await open();
    const d = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha256("m"), size: 1, annotations: { a: "b" } };
    const newer = { id: "b2", createdAt: new Date("2024-01-02T00:00:00Z"), results: [] };
    const older = { id: "b1", createdAt: new Date("2024-01-01T00:00:00Z"), completedAt: new Date("2024-01-01T00:01:00Z"), results: [d], labels: { k: "v" } };
    await store.history.put(newer);
    await store.history.put(older);
    expect(await store.history.get("b1")).toEqual(older);
    expect(await store.history.get("b2")).toEqual(newer);
    expect((await store.history.list()).map((r) => r.id)).toEqual(["b1", "b2"]);

    const failed = { ...newer, error: "exit code 1" };
    await store.history.put(failed);
    expect(await store.history.get("b2")).toEqual(failed);
    expect(await store.history.list()).toHaveLength(2);

    expect(await store.history.delete("b1")).toBe(true);
    expect(await store.history.delete("b1")).toBe(false);
    expect(await store.history.get("b1")).toBeUndefined();
    expect((await store.history.list()).map((r) => r.id)).toEqual(["b2"]);
  });

  it("rejects malformed records naming the bad value", async () => {
    const { store } = await open();
    await expect(store.history.put({ id: "x", createdAt: new Date("nope"), results: [] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.history.put({ id: "x", createdAt: new Date(), results: [{ digest: "sha256:1" } as unknown as Descriptor] })).rejects.toThrow(/results\[0\]/);
  });

  it("keeps what the build was asked for, its step counts and warnings; records without them still read", async () => {
    const { root, store } = await open();
    const full = {
      id: "b3",
      createdAt: new Date("2024-01-03T00:00:00Z"),
      completedAt: new Date("2024-01-03T00:00:02Z"),
      results: [],
      error: "interrupted",
      canceled: true,
      request: {
        frontend: "dockerfile",
        context: "/src",
        dockerfile: "/src/Dockerfile",
        target: "final",
        platforms: ["linux/amd64", "linux/arm64"],
        buildArgs: { A: "1" },
        outputs: [{ type: "image", attrs: { name: "r/a:1", push: "true" } }],
        cacheTo: [{ type: "inline", attrs: {} }],
        cacheFrom: [{ type: "registry", attrs: { ref: "r/a:cache" } }],
      },
      steps: { total: 3, completed: 2, cached: 1 },
      warnings: ["one", "two"],
    };
    await store.history.put(full);
    expect(await store.history.get("b3")).toEqual(full);
    // A record written before these fields existed.
    await writeFile(join(root, "meta", "history", "old.json"), JSON.stringify({ id: "old", createdAt: "2023-01-01T00:00:00.000Z", results: [] }));
    expect(await store.history.get("old")).toEqual({ id: "old", createdAt: new Date("2023-01-01T00:00:00Z"), results: [] });

    await expect(store.history.put({ ...full, steps: { total: -1, completed: 0, cached: 0 } })).rejects.toThrow(/history steps\.total/);
    await expect(store.history.put({ ...full, request: { outputs: [{ type: "x", attrs: { a: 1 } }] } } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await writeFile(join(root, "meta", "history", "bad.json"), JSON.stringify({ id: "bad", createdAt: "2023-01-01T00:00:00.000Z", results: [], warnings: "not a list" }));
    await expect(store.history.get("bad")).rejects.toBeInstanceOf(CorruptMetadataError);
  });

  it("reports a corrupt record by path instead of guessing", async () => {
    const { root, store } = await open();
    await store.history.put({ id: "ok", createdAt: new Date(), results: [] });
    await writeFile(join(root, "meta", "history", "ok.json"), "{ truncated");
    const error = await store.history.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptMetadataError);
    expect((error as Error).message).toContain("ok.json");
    // gc must not delete content when it cannot tell what the history holds.
    const kept = await store.writeBlob("maybe held");
    await expect(store.gc()).rejects.toBeInstanceOf(CorruptMetadataError);
    expect(await store.exists(kept.digest)).toBe(true);
  });
});

describe("roots", () => {
  it("set, get, overwrite, list sorted by name, delete", async () => {
    const { store } = await open();
    const a = await blob(store, "a");
    const b = await blob(store, "b");
    await store.roots.set("image/docker.io/library/foo:latest", a);
    await store.roots.set("cache/registry.example/app:buildcache", b);
    expect(await store.roots.get("image/docker.io/library/foo:latest")).toEqual(a);
    await store.roots.set("image/docker.io/library/foo:latest", b);
    expect(await store.roots.get("image/docker.io/library/foo:latest")).toEqual(b);
    expect(await store.roots.list()).toEqual([
      { name: "cache/registry.example/app:buildcache", descriptor: b },
      { name: "image/docker.io/library/foo:latest", descriptor: b },
    ]);
    expect(await store.roots.delete("cache/registry.example/app:buildcache")).toBe(true);
    expect(await store.roots.delete("cache/registry.example/app:buildcache")).toBe(false);
    expect(await store.roots.get("cache/registry.example/app:buildcache")).toBeUndefined();
  });

  it("rejects a descriptor without a valid digest", async () => {
    const { store } = await open();
    await expect(store.roots.set("x", { mediaType: "m", digest: "sha256:zz" as Digest, size: 1 })).rejects.toThrow(/descriptor for root "x"/);
  });
});

describe("du and prune", () => {
  it("du counts blobs, bytes and what is reclaimable", async () => {
    const { store } = await open();
    expect(await store.du()).toEqual({ blobs: 0, bytes: 0, reclaimableBlobs: 0, reclaimableBytes: 0, ingestBytes: 0 });
    const held = await blob(store, "held!");
    await blob(store, "loose");
    await store.roots.set("r", held);
    expect(await store.du()).toEqual({ blobs: 2, bytes: 10, reclaimableBlobs: 1, reclaimableBytes: 5, ingestBytes: 0 });
  });

  it("prune removes history older than a date, then collects what only it held", async () => {
    const { store } = await open();
    const old = await blob(store, "old result");
    const recent = await blob(store, "recent result");
    await store.history.put({ id: "old", createdAt: new Date("2020-01-01T00:00:00Z"), results: [old] });
    await store.history.put({ id: "recent", createdAt: new Date("2024-06-01T00:00:00Z"), results: [recent] });
    const result = await store.prune({ olderThan: new Date("2024-01-01T00:00:00Z") });
    expect(result.removedHistory).toEqual(["old"]);
    expect(result.gc.deleted).toEqual([old.digest]);
    expect(await store.exists(recent.digest)).toBe(true);

    const all = await store.prune();
    expect(all.removedHistory).toEqual(["recent"]);
    expect(all.gc.deleted).toEqual([recent.digest]);
    expect((await store.du()).blobs).toBe(0);
  });
});
