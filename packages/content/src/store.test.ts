import { chmod, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import { DigestMismatchError, InvalidDigestError, type Digest } from "@exp/oci-spec";
import { bytes, chunked, collect, sha256, tempRoots } from "./__fixtures__/helpers.js";
import { InvalidArgumentError, NotFoundError, TooLargeError } from "./errors.js";
import { openContentStore } from "./store.js";

const roots = tempRoots();
afterEach(roots.cleanup);

async function open() {
  const root = await roots.make();
  return { root, store: await openContentStore(root) };
}

function blobFile(root: string, digest: Digest): string {
  return join(root, "blobs", "sha256", digest.slice("sha256:".length));
}

describe("openContentStore", () => {
  it("creates the layout and resolves the root", async () => {
    const { root, store } = await open();
    expect(store.root).toBe(root);
    expect((await readdir(root)).sort()).toEqual(["blobs", "ingest", "meta"]);
    expect((await readdir(join(root, "meta"))).sort()).toEqual(["blobs", "history", "labels", "leases", "roots", "trash"]);
    // The (empty) label index is marked complete.
    expect(await readdir(join(root, "meta", "labels"))).toEqual([".version"]);
  });

  it("keeps blobs, labels and createdAt across reopening", async () => {
    const { root, store } = await open();
    const { digest } = await store.writeBlob("persist", { labels: { k: "v" } });
    const before = await store.info(digest);
    const again = await openContentStore(root);
    expect(await again.info(digest)).toEqual(before);
  });
});

describe("blob queries", () => {
  it("info reports size, labels and createdAt; unknown digests are NotFoundError naming the digest", async () => {
    const { store } = await open();
    const t0 = Date.now();
    const { digest } = await store.writeBlob("hello", { labels: { "org.example/a": "1" } });
    const info = await store.info(digest);
    expect(info).toMatchObject({ digest, size: 5, labels: { "org.example/a": "1" } });
    expect(info.createdAt.getTime()).toBeGreaterThanOrEqual(t0 - 1000);
    expect(info.createdAt.getTime()).toBeLessThanOrEqual(Date.now());

    const missing = sha256("missing");
    expect(await store.exists(missing)).toBe(false);
    const error = await store.info(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe("ERR_NOT_FOUND");
    expect((error as NotFoundError).message).toContain(missing);
    await expect(store.read(missing)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.readAll(missing)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects malformed digests", async () => {
    const { store } = await open();
    await expect(store.exists("sha256:xyz" as Digest)).rejects.toBeInstanceOf(InvalidDigestError);
    await expect(store.info("nope" as Digest)).rejects.toThrow(/"nope"/);
  });

  it("setLabels merges, removes with null, and fails for unknown blobs", async () => {
    const { store } = await open();
    const { digest } = await store.writeBlob("labelled", { labels: { a: "1", b: "2" } });
    const updated = await store.setLabels(digest, { b: null, c: "3", a: "one" });
    expect(updated.labels).toEqual({ a: "one", c: "3" });
    expect((await store.info(digest)).labels).toEqual({ a: "one", c: "3" });
    // Labels given to a later ingest of the same content merge too.
    await store.writeBlob("labelled", { labels: { d: "4" } });
    expect((await store.info(digest)).labels).toEqual({ a: "one", c: "3", d: "4" });
    await expect(store.setLabels(sha256("nothing"), { a: "1" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.setLabels(digest, { a: 1 as unknown as string })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("concurrent setLabels calls on one blob lose no update", async () => {
    const { store } = await open();
    const { digest } = await store.writeBlob("busy");
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.setLabels(digest, { [`k${i}`]: String(i) })));
    expect(Object.keys((await store.info(digest)).labels)).toHaveLength(20);
  });
});

describe("read", () => {
  it("reads whole blobs and inclusive byte ranges", async () => {
    const { store } = await open();
    const data = bytes(100_000, 5);
    const { digest } = await store.ingest(chunked(data, 10_000));
    expect(await collect(await store.read(digest))).toEqual(data);
    expect(await collect(await store.read(digest, { start: 10, end: 19 }))).toEqual(data.subarray(10, 20));
    expect(await collect(await store.read(digest, { start: 99_990 }))).toEqual(data.subarray(99_990));
    expect(await collect(await store.read(digest, { end: 0 }))).toEqual(data.subarray(0, 1));
    await expect(store.read(digest, { start: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.read(digest, { start: 10, end: 5 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("a full read of a corrupted blob errors with DigestMismatchError; a ranged read cannot tell", async () => {
    const { root, store } = await open();
    const data = bytes(70_000, 11);
    const { digest } = await store.ingest(chunked(data, 10_000));
    const corrupted = Buffer.from(data);
    corrupted[50_000] = corrupted[50_000]! ^ 0xff;
    await chmod(blobFile(root, digest), 0o644);
    await writeFile(blobFile(root, digest), corrupted);

    const error = await collect(await store.read(digest)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).expected).toBe(digest);
    expect((error as DigestMismatchError).actual).toBe(sha256(corrupted));
    // A range that covers every byte is a full read, and verified as one.
    await expect(collect(await store.read(digest, { start: 0, end: data.length - 1 }))).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await collect(await store.read(digest, { start: 0, end: 99 }))).toEqual(data.subarray(0, 100));
    await expect(store.readAll(digest, { maxBytes: data.length })).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("reads blobs of several chunks whole and by ranges across chunk boundaries, and closes the file", async () => {
    const { store } = await open();
    const data = bytes(3 * 256 * 1024 + 7, 3);
    const { digest } = await store.ingest(chunked(data, 100_000));
    const openFiles = async () => (await readdir("/proc/self/fd")).length;
    const before = await openFiles();
    expect(await collect(await store.read(digest))).toEqual(data);
    expect(await collect(await store.read(digest, { start: 256 * 1024 - 3, end: 2 * 256 * 1024 + 2 }))).toEqual(data.subarray(256 * 1024 - 3, 2 * 256 * 1024 + 3));
    expect(await collect(await store.read(digest, { start: data.length + 10 }))).toEqual(Buffer.alloc(0));
    // A stream dropped part way (destroyed) closes its file too.
    const partial = await store.read(digest);
    for await (const _ of partial) break;
    if (!(partial as Readable).closed) await new Promise((resolve) => (partial as Readable).once("close", resolve));
    expect(await openFiles()).toBe(before);
  });

  it("verify hashes the whole blob and returns its size; a corrupted blob is DigestMismatchError, a missing one NotFoundError", async () => {
    const { root, store } = await open();
    const data = bytes(1_300_000, 9);
    const { digest } = await store.ingest(chunked(data, 65_536));
    expect(await store.verify(digest)).toBe(data.length);
    const corrupted = Buffer.from(data);
    corrupted[1_200_000] = corrupted[1_200_000]! ^ 0x01;
    await chmod(blobFile(root, digest), 0o644);
    await writeFile(blobFile(root, digest), corrupted);
    const error = await store.verify(digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).actual).toBe(sha256(corrupted));
    await expect(store.verify(sha256(Buffer.from("absent")))).rejects.toBeInstanceOf(NotFoundError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(store.verify(digest, { signal: aborted.signal })).rejects.toBeInstanceOf(AbortedError);
  });

  it("a full read of a truncated blob errors too", async () => {
    const { root, store } = await open();
    const { digest } = await store.writeBlob("complete content");
    await chmod(blobFile(root, digest), 0o644);
    await writeFile(blobFile(root, digest), "complete");
    await expect(collect(await store.read(digest))).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("aborting a read destroys the stream with AbortedError", async () => {
    const { store } = await open();
    const { digest } = await store.ingest(chunked(bytes(1 << 20), 65_536));
    const controller = new AbortController();
    const stream = await store.read(digest, { signal: controller.signal });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const chunk of stream) {
        seen.push(chunk.length);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(seen).toHaveLength(1);
  });

  it("readAll refuses blobs over maxBytes, naming the size", async () => {
    const { store } = await open();
    const { digest } = await store.writeBlob(bytes(5000));
    expect(await store.readAll(digest, { maxBytes: 5000 })).toHaveLength(5000);
    const error = await store.readAll(digest, { maxBytes: 4999 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooLargeError);
    expect((error as TooLargeError).code).toBe("ERR_TOO_LARGE");
    expect((error as TooLargeError).message).toContain("5000 bytes");
    expect((error as TooLargeError).message).toContain(digest);
  });

  it("readAll defaults to a 4 MiB limit", async () => {
    const { store } = await open();
    const { digest } = await store.ingest(chunked(bytes(4 * 1024 * 1024 + 1), 1 << 20));
    await expect(store.readAll(digest)).rejects.toThrow(/4194305 bytes, more than the 4194304-byte limit/);
  });
});

describe("delete, list, findByLabel", () => {
  it("delete removes the blob and its labels and reports whether it existed", async () => {
    const { root, store } = await open();
    const { digest } = await store.writeBlob("doomed", { labels: { x: "y" } });
    expect(await store.delete(digest)).toBe(true);
    expect(await store.exists(digest)).toBe(false);
    expect(await store.delete(digest)).toBe(false);
    expect(await readdir(join(root, "meta", "blobs", "sha256"))).toEqual([]);
    // Re-adding starts with fresh labels.
    await store.writeBlob("doomed");
    expect((await store.info(digest)).labels).toEqual({});
  });

  it("list yields every blob; findByLabel filters by key and value", async () => {
    const { store } = await open();
    const a = await store.writeBlob("a", { labels: { kind: "config" } });
    const b = await store.writeBlob("b", { labels: { kind: "layer" } });
    const c = await store.writeBlob("c");
    const listed: string[] = [];
    for await (const info of store.list()) listed.push(info.digest);
    expect(listed.sort()).toEqual([a.digest, b.digest, c.digest].sort());
    expect((await store.findByLabel("kind")).map((i) => i.digest).sort()).toEqual([a.digest, b.digest].sort());
    expect((await store.findByLabel("kind", "layer")).map((i) => i.digest)).toEqual([b.digest]);
    expect(await store.findByLabel("kind", "other")).toEqual([]);
  });
});
