import { link, mkdir, open, rename, stat, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { AbortedError, throwIfAborted } from "@exp/errors";
import { Digester, DigestMismatchError, parseDigest, type Digest, type DigestAlgorithm } from "@exp/oci-spec";
import { fsyncDir } from "./atomic-write.js";
import { updateBlobMeta } from "./blob-meta.js";
import { InvalidArgumentError, LeaseNotFoundError, SizeMismatchError } from "./errors.js";
import { hasCode, isNotFound, removeFile } from "./fs-util.js";
import { markForeign } from "./guard.js";
import type { Layout } from "./layout.js";
import { addLeaseResource, getLiveLease } from "./leases.js";
import type { StoreLocks } from "./lock.js";
import { LABEL_MEDIA_TYPE } from "./media-types.js";
import { checkName } from "./names.js";
import { checkLabels } from "./records.js";
import { tempToken } from "./temp-files.js";
import type { IngestOptions, IngestResult, IngestSource } from "./types.js";

interface IngestContext {
  layout: Layout;
  locks: StoreLocks;
}

interface Plan {
  algorithm: DigestAlgorithm;
  expectedDigest: Digest | undefined;
  expectedSize: number | undefined;
  labels: Record<string, string>;
  lease: string | undefined;
  mediaType: string | undefined;
  signal: AbortSignal | undefined;
  onProgress: ((bytesWritten: number) => void) | undefined;
}

/**
 * Streams `source` into the store. The bytes go to ingest/<pid>-<random>, hashed and counted on the
 * way; only after the digest and size check does the blob get its lease entry and its metadata
 * record (while its bytes are fsynced), and finally, once the fsync is done, a hard link into
 * blobs/ — the single atomic step that makes it visible. A crash before that step leaves only a
 * temp file whose pid is dead, which openContentStore and gc remove; a crash after it leaves a
 * complete, verified blob.
 */
export async function ingest(ctx: IngestContext, source: IngestSource, options: IngestOptions = {}): Promise<IngestResult> {
  let plan: Plan;
  try {
    plan = await preparePlan(ctx, options);
    if (plan.expectedDigest !== undefined) {
      const existing = await attachExisting(ctx, plan.expectedDigest, plan);
      if (existing) {
        // Already stored: the bytes are not needed, so don't read them (that may be a registry download).
        discard(source);
        return existing;
      }
    }
  } catch (error) {
    discard(source);
    throw error;
  }
  return streamIntoStore(ctx, source, plan);
}

/** writeBlob: for small documents already in memory. Checks `expected` up front, then ingests one chunk. */
export async function writeBlob(ctx: IngestContext, data: Uint8Array | string, options: IngestOptions = {}): Promise<IngestResult> {
  if (typeof data !== "string" && !(data instanceof Uint8Array)) throw new InvalidArgumentError("blob data", typeof data, "a Uint8Array or string");
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const expectedDigest = options.expected?.digest;
  const digester = new Digester(expectedDigest === undefined ? "sha256" : parseDigest(expectedDigest).algorithm);
  digester.update(bytes);
  const digest = digester.digest();
  if (expectedDigest !== undefined && expectedDigest !== digest) throw new DigestMismatchError("blob data", expectedDigest, digest);
  const expectedSize = options.expected?.size;
  if (expectedSize !== undefined && expectedSize !== bytes.byteLength) throw new SizeMismatchError(`blob data ${digest}`, expectedSize, bytes.byteLength);
  return ingest(ctx, once(bytes), { ...options, expected: { digest, size: bytes.byteLength } });
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function preparePlan(ctx: IngestContext, options: IngestOptions): Promise<Plan> {
  const { signal, expected } = options;
  const labels = checkLabels("ingest labels", options.labels);
  if (options.mediaType !== undefined) {
    if (typeof options.mediaType !== "string" || options.mediaType === "") throw new InvalidArgumentError("ingest mediaType", options.mediaType, "a non-empty string");
    labels[LABEL_MEDIA_TYPE] = options.mediaType;
  }
  const expectedDigest = expected?.digest;
  const algorithm = expectedDigest === undefined ? "sha256" : parseDigest(expectedDigest).algorithm;
  const expectedSize = expected?.size;
  if (expectedSize !== undefined && (!Number.isSafeInteger(expectedSize) || expectedSize < 0)) {
    throw new InvalidArgumentError("expected size", expectedSize, "a non-negative integer");
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") throw new InvalidArgumentError("onProgress", options.onProgress, "a function");
  const lease = options.lease === undefined ? undefined : checkName("lease id", options.lease);
  throwIfAborted(signal, "ingest");
  // Fail before downloading anything; the lease is checked again (for real) at commit.
  if (lease !== undefined && !(await getLiveLease(ctx.layout, lease))) throw new LeaseNotFoundError(lease);
  return { algorithm, expectedDigest, expectedSize, labels, lease, mediaType: options.mediaType, signal, onProgress: options.onProgress };
}

/** The expected blob is already stored: apply lease, labels and media type to it; undefined when it is not there. */
async function attachExisting(ctx: IngestContext, digest: Digest, plan: Plan): Promise<IngestResult | undefined> {
  const { layout, locks } = ctx;
  return locks.gc.withShared(
    async () => {
      const stats = await statIfExists(layout.blobPath(digest));
      if (!stats) return undefined;
      if (plan.expectedSize !== undefined && stats.size !== plan.expectedSize) throw new SizeMismatchError(`blob ${digest}`, plan.expectedSize, stats.size);
      if (plan.lease !== undefined) await addLeaseResource(layout, plan.lease, resourceOf(digest, plan.mediaType));
      await updateBlobMeta(layout, locks.blobMeta, digest, plan.labels, { fallbackCreatedAt: stats.mtime });
      // A gc in another process may have deleted it before our lease entry existed; then ingest it for real.
      if (!(await statIfExists(layout.blobPath(digest)))) return undefined;
      return { digest, size: stats.size, created: false };
    },
    { signal: plan.signal },
  );
}

async function streamIntoStore(ctx: IngestContext, source: IngestSource, plan: Plan): Promise<IngestResult> {
  const { layout, locks } = ctx;
  const { signal } = plan;
  const temp = join(layout.ingestDir, tempToken());
  let handle: FileHandle | undefined;
  let iterator: AsyncIterator<unknown> | undefined;
  try {
    // Blobs are immutable; read-only makes a stray write by another tool fail loudly. Set at
    // create (the descriptor we get back is writable all the same), saving a chmod per blob.
    handle = await open(temp, "wx", 0o444);
    iterator = iteratorOf(source);
    const digester = new Digester(plan.algorithm);
    for (;;) {
      const next = await nextChunk(iterator, signal);
      if (next.done) break;
      const bytes = toBytes(next.value);
      if (plan.expectedSize !== undefined && digester.size + bytes.byteLength > plan.expectedSize) {
        // Stop reading at once: more bytes cannot make it right.
        throw new SizeMismatchError(describeExpected(plan), plan.expectedSize, digester.size + bytes.byteLength, true);
      }
      digester.update(bytes);
      await writeAll(handle, bytes);
      throwIfAborted(signal, "ingest");
      if (plan.onProgress) {
        try {
          plan.onProgress(digester.size);
        } catch (error) {
          throw markForeign(error);
        }
      }
    }
    iterator = undefined; // exhausted: nothing to cancel
    const size = digester.size;
    const digest = digester.digest();
    if (plan.expectedSize !== undefined && size !== plan.expectedSize) throw new SizeMismatchError(describeExpected(plan), plan.expectedSize, size);
    if (plan.expectedDigest !== undefined && digest !== plan.expectedDigest) throw new DigestMismatchError("ingested content", plan.expectedDigest, digest);
    // fsync kept (durable truth): the bytes must be on disk before the link that names them can
    // be, or a crash could leave a blob that fails verification. Started now and awaited right
    // before the link, so it overlaps with writing the lease entry and the metadata record.
    const file = handle;
    handle = undefined; // closed by `synced`, whatever happens next
    const synced = (async () => {
      try {
        await file.sync();
      } finally {
        await file.close();
      }
    })();
    synced.catch(() => undefined); // awaited below; this only keeps an early exit from leaving it unhandled

    // Commit. Shared with other commits, exclusive with gc: gc either runs before (the blob is not
    // in blobs/ yet) or after (the lease entry is there). Not abortable once the lock is held, so
    // an abort cannot leave a lease entry without its blob half the time.
    const created = await locks.gc.withShared(
      async () => {
        throwIfAborted(signal, "ingest");
        // Visible (not durable) before the link: that order, not an fsync, is what keeps a gc in
        // another process from deleting the blob (see addLeaseResource).
        if (plan.lease !== undefined) await addLeaseResource(layout, plan.lease, resourceOf(digest, plan.mediaType));
        // Before the link, so the media type label gc may need is there the moment the blob is.
        await updateBlobMeta(layout, locks.blobMeta, digest, plan.labels);
        await synced;
        const target = layout.blobPath(digest);
        const linked = await linkIntoPlace(temp, target);
        // fsync kept (durable truth): once ingest returns, callers record the digest in history or
        // a root (both fsynced); the blob's name must not be the part a crash forgets.
        if (linked) await fsyncDir(dirname(target));
        return linked;
      },
      { signal },
    );
    return { digest, size, created };
  } catch (error) {
    if (iterator) cancel(iterator);
    discard(source);
    throw error;
  } finally {
    if (handle) await handle.close().catch(() => undefined);
    // After a successful link this only drops the temp name (the blob is its own link); otherwise
    // it removes the partial or rejected content.
    await removeFile(temp).catch(() => undefined);
  }
}

function describeExpected(plan: Plan): string {
  return plan.expectedDigest === undefined ? "ingested content" : `ingested content for ${plan.expectedDigest}`;
}

function resourceOf(digest: Digest, mediaType: string | undefined): { digest: Digest; mediaType?: string } {
  return mediaType === undefined ? { digest } : { digest, mediaType };
}

/**
 * Links the verified temp file to its blob name. link() never replaces an existing file, so of
 * several writers of one digest exactly one creates the blob and the rest see EEXIST (created:
 * false), and a reader never observes the name pointing at a different inode. Filesystems without
 * hard links fall back to an existence check plus rename, which is still atomic per writer.
 */
async function linkIntoPlace(temp: string, target: string, madeDir = false): Promise<boolean> {
  try {
    await link(temp, target);
    return true;
  } catch (error) {
    if (hasCode(error, "EEXIST")) return false;
    if (isNotFound(error) && !madeDir) {
      // blobs/<alg>/ is made at open for sha256 only; another algorithm's appears on first use.
      await mkdir(dirname(target), { recursive: true });
      return linkIntoPlace(temp, target, true);
    }
    if (!hasCode(error, "EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK")) throw error;
  }
  if (await statIfExists(target)) return false;
  await rename(temp, target);
  return true;
}

async function statIfExists(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function iteratorOf(source: IngestSource): AsyncIterator<unknown> {
  if (source !== null && typeof source === "object" && Symbol.asyncIterator in source) {
    return (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }
  if (source !== null && typeof source === "object" && typeof (source as NodeJS.ReadableStream).on === "function") {
    // An old-style stream without async iteration.
    return new Readable({ objectMode: false }).wrap(source as NodeJS.ReadableStream)[Symbol.asyncIterator]();
  }
  if (source !== null && typeof source === "object" && Symbol.iterator in source) {
    return toAsyncIterator((source as Iterable<unknown>)[Symbol.iterator]());
  }
  throw new InvalidArgumentError("ingest source", typeof source, "an AsyncIterable<Uint8Array> or a readable stream");
}

function toAsyncIterator(it: Iterator<unknown>): AsyncIterator<unknown> {
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}

/**
 * The next chunk, or AbortedError as soon as the signal fires — without waiting for a slow source
 * to produce its next chunk first.
 */
async function nextChunk(iterator: AsyncIterator<unknown>, signal: AbortSignal | undefined): Promise<IteratorResult<unknown>> {
  throwIfAborted(signal, "ingest");
  const pending = iterator.next().catch((error: unknown) => {
    throw markForeign(error);
  });
  if (!signal) return pending;
  return new Promise<IteratorResult<unknown>>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError("ingest", signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (result) => {
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  throw new InvalidArgumentError("ingest chunk", chunk === null ? "null" : typeof chunk, "Uint8Array chunks");
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Tell an iterator we are done with it; a generator suspended mid-await finishes later, so don't wait. */
function cancel(iterator: AsyncIterator<unknown>): void {
  try {
    iterator.return?.()?.catch?.(() => undefined);
  } catch {
    // A broken return() must not mask the error that made us stop.
  }
}

/** Streams are destroyed (frees the socket or file); plain iterables are left to their owner. */
function discard(source: IngestSource): void {
  const stream = source as { destroy?: unknown; destroyed?: boolean };
  if (typeof stream.destroy === "function" && stream.destroyed !== true) {
    try {
      (stream.destroy as () => void).call(source);
    } catch {
      // Nothing useful to do; we no longer need the source.
    }
  }
}
