import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { AbortedError, throwIfAborted } from "@exp/errors";
import { DigestMismatchError, parseDigest, verifyDigest, type Digest } from "@exp/oci-spec";
import { BlobReadStream } from "./blob-read-stream.js";
import { readBlobMeta, removeBlobMeta } from "./blob-meta.js";
import { InvalidArgumentError, NotFoundError, TooLargeError } from "./errors.js";
import { isNotFound, listDir, removeFile } from "./fs-util.js";
import type { Layout } from "./layout.js";
import type { KeyedMutex } from "./lock.js";
import type { BlobInfo } from "./types.js";
import { hashFile } from "./verify-blob-file.js";

export const DEFAULT_READ_ALL_LIMIT = 4 * 1024 * 1024;

/** The blob's size, or undefined when it is not in the store. */
export async function blobSize(layout: Layout, digest: Digest): Promise<number | undefined> {
  try {
    return (await stat(layout.blobPath(digest))).size;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function blobInfo(layout: Layout, digest: Digest): Promise<BlobInfo | undefined> {
  let stats;
  try {
    stats = await stat(layout.blobPath(digest));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const meta = await readBlobMeta(layout, digest);
  // A blob without a record (its metadata write was lost) still has a size and an age.
  return { digest, size: stats.size, labels: meta?.labels ?? {}, createdAt: meta?.createdAt ?? stats.mtime };
}

export interface ReadOptions {
  start?: number;
  end?: number;
  signal?: AbortSignal;
}

export type BlobStream = NodeJS.ReadableStream & AsyncIterable<Buffer>;

/**
 * A stream of the blob's bytes. A read of the whole blob hashes what passes through and fails the
 * stream with DigestMismatchError at the end if the file no longer matches its name (bit rot, a
 * stray write); a ranged read cannot, since the digest covers all bytes.
 */
export async function readBlob(layout: Layout, digest: Digest, options: ReadOptions = {}): Promise<BlobStream> {
  const { start, end, signal } = options;
  checkOffset("start", start);
  checkOffset("end", end);
  if (start !== undefined && end !== undefined && end < start - 1) throw new InvalidArgumentError("range", { start, end }, "end >= start - 1 (end is inclusive)");
  throwIfAborted(signal, `reading blob ${digest}`);
  const handle = await openBlob(layout, digest);
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  // A range covering every byte is a full read and can be verified like one.
  const whole = (start ?? 0) === 0 && (end === undefined || end >= size - 1);
  const last = end === undefined ? size : Math.min(size, end + 1);
  return new BlobReadStream({ handle, digest, start: start ?? 0, end: last, verify: whole, ...(signal ? { signal } : {}) }) as BlobStream;
}

/**
 * Reads the whole blob through one reused buffer and throws DigestMismatchError unless it still
 * hashes to its name: a verification whose bytes go nowhere else (see hashFile).
 */
export async function verifyBlob(layout: Layout, digest: Digest, options: { signal?: AbortSignal } = {}): Promise<number> {
  throwIfAborted(options.signal, `verifying blob ${digest}`);
  const handle = await openBlob(layout, digest);
  try {
    const actual = await hashFile(handle, parseDigest(digest).algorithm, `verifying blob ${digest}`, options.signal);
    if (actual.digest !== digest) throw new DigestMismatchError(`blob ${digest} in the content store`, digest, actual.digest);
    return actual.size;
  } finally {
    await handle.close();
  }
}

/** The whole blob in memory, verified. For manifests, configs and other small JSON. */
export async function readBlobAll(layout: Layout, digest: Digest, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_READ_ALL_LIMIT;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new InvalidArgumentError("maxBytes", maxBytes, "a non-negative integer");
  throwIfAborted(options.signal, `reading blob ${digest}`);
  const handle = await openBlob(layout, digest);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new TooLargeError(digest, size, maxBytes);
    const data = await handle.readFile({ signal: options.signal });
    verifyDigest(data, digest, `blob ${digest} in the content store`);
    return data;
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof AbortedError) && (error as Error).name === "AbortError") {
      throw new AbortedError(`reading blob ${digest}`, options.signal.reason);
    }
    throw error;
  } finally {
    await handle.close();
  }
}

async function openBlob(layout: Layout, digest: Digest) {
  try {
    return await open(layout.blobPath(digest), "r");
  } catch (error) {
    if (isNotFound(error)) throw new NotFoundError(digest);
    throw error;
  }
}

function checkOffset(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new InvalidArgumentError(name, value, "a non-negative integer");
}

/** Removes the blob and its metadata record; false when it was not there. */
export async function deleteBlob(layout: Layout, mutex: KeyedMutex, digest: Digest): Promise<boolean> {
  const removed = await removeFile(layout.blobPath(digest));
  // The record goes second: a crash in between leaves an orphan record, which gc removes.
  await removeBlobMeta(layout, mutex, digest);
  return removed;
}

/** Every blob file in the store with its size, skipping names that are not digests. */
export async function* listBlobFiles(layout: Layout, signal?: AbortSignal): AsyncGenerator<{ digest: Digest; size: number }> {
  for (const algorithm of (await listDir(layout.blobsDir)).sort()) {
    const dir = join(layout.blobsDir, algorithm);
    for (const hex of (await listDir(dir)).sort()) {
      throwIfAborted(signal, "listing blobs");
      const digest = `${algorithm}:${hex}`;
      try {
        parseDigest(digest);
      } catch {
        continue;
      }
      let size: number;
      try {
        size = (await stat(join(dir, hex))).size;
      } catch (error) {
        if (isNotFound(error)) continue; // deleted while we were listing
        throw error;
      }
      yield { digest: digest as Digest, size };
    }
  }
}
