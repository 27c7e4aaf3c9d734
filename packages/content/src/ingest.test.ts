import { stat } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import { DigestMismatchError, InvalidDigestError } from "@exp/oci-spec";
import { bytes, chunked, collect, filesUnder, sha256, tempRoots } from "./__fixtures__/helpers.js";
import { LeaseNotFoundError, SizeMismatchError } from "./errors.js";
import { openContentStore } from "./store.js";

const roots = tempRoots();
afterEach(roots.cleanup);

async function open() {
  const root = await roots.make();
  return { root, store: await openContentStore(root) };
}

/** Nothing committed and nothing left behind: no blob, no metadata, no temp file. */
async function expectEmpty(root: string): Promise<void> {
  expect(await filesUnder(join(root, "blobs"))).toEqual([]);
  expect(await filesUnder(join(root, "ingest"))).toEqual([]);
  expect(await filesUnder(join(root, "meta", "blobs"))).toEqual([]);
}

describe("ingest", () => {
  it("streams a Node Readable into a verified, read-only blob", async () => {
    const { root, store } = await open();
    const data = bytes(300_000, 7);
    const result = await store.ingest(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]));
    expect(result).toEqual({ digest: sha256(data), size: data.length, created: true });
    expect(await store.exists(result.digest)).toBe(true);
    expect(await collect(await store.read(result.digest))).toEqual(data);
    const hex = result.digest.slice("sha256:".length);
    expect((await stat(join(root, "blobs", "sha256", hex))).mode & 0o777).toBe(0o444);
    expect(await filesUnder(join(root, "ingest"))).toEqual([]);
  });

  it("streams an async iterable, reporting progress after each write", async () => {
    const { store } = await open();
    const data = bytes(10_000, 3);
    const progress: number[] = [];
    const result = await store.ingest(chunked(data, 4096), { onProgress: (n) => progress.push(n) });
    expect(result.digest).toBe(sha256(data));
    expect(progress).toEqual([4096, 8192, 10_000]);
  });

  it("accepts an old-style stream and string chunks", async () => {
    const { store } = await open();
    const stream = new PassThrough();
    const pending = store.ingest(stream);
    stream.write("hello ");
    stream.end("world");
    expect(await pending).toMatchObject({ digest: sha256("hello world"), size: 11 });
  });

  it("commits nothing and leaves no temp file when the digest does not match", async () => {
    const { root, store } = await open();
    const data = bytes(50_000);
    const wrong = sha256("something else");
    const error = await store.ingest(chunked(data, 8192), { expected: { digest: wrong } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).message).toContain(wrong);
    expect((error as DigestMismatchError).message).toContain(sha256(data));
    await expectEmpty(root);
  });

  it("commits nothing when the content is shorter than expected", async () => {
    const { root, store } = await open();
    const data = bytes(1000);
    const error = await store.ingest(chunked(data, 100), { expected: { size: 1001 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SizeMismatchError);
    expect((error as SizeMismatchError).code).toBe("ERR_SIZE_MISMATCH");
    expect((error as SizeMismatchError).message).toMatch(/expected 1001 bytes, got 1000/);
    await expectEmpty(root);
  });

  it("stops reading as soon as the content exceeds the expected size", async () => {
    const { root, store } = await open();
    let produced = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          produced++;
          yield bytes(100, produced);
        }
      } finally {
        closed = true;
      }
    }
    const error = await store.ingest(endless(), { expected: { size: 250 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SizeMismatchError);
    expect((error as SizeMismatchError).message).toMatch(/expected 250 bytes, got at least 300/);
    expect(produced).toBe(3);
    expect(closed).toBe(true);
    await expectEmpty(root);
  });

  it("does not consume the source when the expected blob already exists, but applies labels and lease", async () => {
    const { store } = await open();
    const data = bytes(2048, 9);
    const digest = sha256(data);
    await store.ingest(chunked(data, 512));
    const lease = await store.leases.create();

    const stream = new PassThrough();
    const result = await store.ingest(stream, { expected: { digest, size: data.length }, labels: { a: "1" }, lease: lease.id, mediaType: "application/x-test" });
    expect(result).toEqual({ digest, size: data.length, created: false });
    expect(stream.destroyed).toBe(true);

    let started = false;
    async function* untouched(): AsyncGenerator<Uint8Array> {
      started = true;
      yield data;
    }
    await store.ingest(untouched(), { expected: { digest } });
    expect(started).toBe(false);

    expect((await store.info(digest)).labels).toEqual({ a: "1", "exp.io/media-type": "application/x-test" });
    expect(await store.leases.resources(lease.id)).toEqual([digest]);
  });

  it("rejects an existing blob whose size contradicts expected.size", async () => {
    const { store } = await open();
    const { digest } = await store.writeBlob("abc");
    await expect(store.ingest(chunked(Buffer.from("abc"), 1), { expected: { digest, size: 4 } })).rejects.toBeInstanceOf(SizeMismatchError);
  });

  it("reports created: false for content already present without an expected digest", async () => {
    const { store } = await open();
    expect((await store.writeBlob("same")).created).toBe(true);
    expect((await store.ingest(chunked(Buffer.from("same"), 2))).created).toBe(false);
  });

  it("lets 8 concurrent writers of one digest all succeed, leaving exactly one intact blob", async () => {
    const { root, store } = await open();
    const data = bytes(200_000, 42);
    const digest = sha256(data);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.ingest(i % 2 ? chunked(data, 7000 + i) : Readable.from(chunked(data, 5000 + i)), { expected: { digest } })),
    );
    for (const result of results) expect(result).toMatchObject({ digest, size: data.length });
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await filesUnder(join(root, "blobs"))).toEqual([join("sha256", digest.slice(7))]);
    expect(await filesUnder(join(root, "ingest"))).toEqual([]);
    expect(await store.readAll(digest, { maxBytes: data.length })).toEqual(data);
  });

  it("writeBlob stores small documents and checks expected up front", async () => {
    const { root, store } = await open();
    const doc = JSON.stringify({ schemaVersion: 2 });
    const result = await store.writeBlob(doc, { mediaType: "application/json" });
    expect(result).toEqual({ digest: sha256(doc), size: doc.length, created: true });
    expect((await store.readAll(result.digest)).toString()).toBe(doc);
    expect((await store.info(result.digest)).labels["exp.io/media-type"]).toBe("application/json");
    await expect(store.writeBlob("other", { expected: { digest: result.digest } })).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(store.writeBlob("other", { expected: { size: 1 } })).rejects.toBeInstanceOf(SizeMismatchError);
    expect(await filesUnder(join(root, "blobs"))).toHaveLength(1);
  });

  it("rejects a malformed expected digest naming it", async () => {
    const { store } = await open();
    await expect(store.ingest(chunked(Buffer.from("x"), 1), { expected: { digest: "sha256:nothex" as never } })).rejects.toThrow(InvalidDigestError);
    await expect(store.ingest(chunked(Buffer.from("x"), 1), { expected: { digest: "sha256:nothex" as never } })).rejects.toThrow(/sha256:nothex/);
  });

  it("passes a failing source's own error through and cleans up", async () => {
    const { root, store } = await open();
    const boom = Object.assign(new Error("connection reset"), { code: "ECONNRESET", syscall: "read" });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytes(1000);
      throw boom;
    }
    await expect(store.ingest(failing())).rejects.toBe(boom);
    await expectEmpty(root);
  });

  it("fails with LeaseNotFoundError for an unknown lease and commits nothing", async () => {
    const { root, store } = await open();
    const error = await store.ingest(chunked(bytes(100), 10), { lease: "nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseNotFoundError);
    expect((error as LeaseNotFoundError).code).toBe("ERR_LEASE_NOT_FOUND");
    await expectEmpty(root);
  });

  it("fails at commit when the lease is released while streaming, leaving nothing", async () => {
    const { root, store } = await open();
    const lease = await store.leases.create();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes(100);
      await released;
      yield bytes(100, 2);
    }
    const pending = store.ingest(source(), {
      lease: lease.id,
      onProgress: (n) => {
        if (n === 100) void store.leases.release(lease.id).then(release);
      },
    });
    await expect(pending).rejects.toBeInstanceOf(LeaseNotFoundError);
    await expectEmpty(root);
  });
});

describe("ingest abort", () => {
  it("aborts while the source is stalled, without waiting for its next chunk, and leaves nothing", async () => {
    const { root, store } = await open();
    const controller = new AbortController();
    let finished = false;
    async function* stalls(): AsyncGenerator<Uint8Array> {
      yield bytes(64 * 1024);
      await new Promise(() => undefined); // never produces again
      finished = true;
    }
    const reason = new Error("user cancelled");
    const pending = store.ingest(stalls(), {
      signal: controller.signal,
      onProgress: () => setImmediate(() => controller.abort(reason)),
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).message).toMatch(/ingest was aborted: user cancelled/);
    expect(finished).toBe(false);
    await expectEmpty(root);
  });

  it("aborts a stream source and destroys it", async () => {
    const { root, store } = await open();
    const controller = new AbortController();
    const stream = new PassThrough();
    const pending = store.ingest(stream, { signal: controller.signal, onProgress: () => controller.abort() });
    stream.write(bytes(1000));
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(stream.destroyed).toBe(true);
    await expectEmpty(root);
  });

  it("does nothing with an already aborted signal", async () => {
    const { root, store } = await open();
    let started = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      started = true;
      yield bytes(10);
    }
    await expect(store.ingest(source(), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(started).toBe(false);
    await expectEmpty(root);
  });
});
