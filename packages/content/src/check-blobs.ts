import { lstat, open } from "node:fs/promises";
import { join } from "node:path";
import { AbortedError, throwIfAborted } from "@exp/errors";
import { isDigest, parseDigest, type Digest } from "@exp/oci-spec";
import type { CheckLog } from "./check-report.js";
import { isNotFound, listDir, mapLimit } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { hashFile } from "./verify-blob-file.js";

/** Blobs hashed at once: enough to overlap one file's reads with another's hashing, without crowding a small machine. */
const HASH_CONCURRENCY = 2;

/** Every blob in blobs/: its size when its bytes could be read (whether or not they match), else undefined. */
export type BlobSizes = Map<Digest, number | undefined>;

export interface BlobScan {
  sizes: BlobSizes;
  blobs: number;
  bytes: number;
}

/**
 * Hashes every blob file, streaming (never a whole blob in memory), and compares the result with
 * the file's name. Ingest fsyncs the bytes before it links the name, so no crash can leave a blob
 * whose bytes are not its digest's: a mismatch is corruption (bit rot, a stray write).
 */
export async function checkBlobFiles(layout: Layout, log: CheckLog, signal: AbortSignal | undefined): Promise<BlobScan> {
  const files: Array<{ digest: Digest; path: string }> = [];
  for (const algorithm of (await listDir(layout.blobsDir)).sort()) {
    const dir = join(layout.blobsDir, algorithm);
    for (const name of (await listDir(dir)).sort()) {
      const digest = `${algorithm}:${name}`;
      // The store never lists these (listBlobFiles skips them), so they cannot mislead it.
      if (isDigest(digest)) files.push({ digest, path: join(dir, name) });
      else log.note("entries in blobs/ not named by a digest (the store ignores them)", join(dir, name));
    }
  }
  const sizes: BlobSizes = new Map();
  let bytes = 0;
  await mapLimit(files, HASH_CONCURRENCY, async ({ digest, path }) => {
    throwIfAborted(signal, "checking the content store");
    const size = await checkBlobFile(digest, path, log, signal);
    if (size === "gone") return; // deleted while we were listing (a gc in another process)
    sizes.set(digest, size);
    bytes += size ?? 0;
  });
  return { sizes, blobs: sizes.size, bytes };
}

async function checkBlobFile(digest: Digest, path: string, log: CheckLog, signal: AbortSignal | undefined): Promise<number | undefined | "gone"> {
  let isFile: boolean;
  try {
    isFile = (await lstat(path)).isFile();
  } catch (error) {
    if (isNotFound(error)) return "gone";
    log.fault({ code: "BLOB_UNREADABLE", path, digest, message: `blob ${digest}: cannot stat ${path}: ${messageOf(error)}` });
    return undefined;
  }
  if (!isFile) {
    // Ingest only ever links regular files into blobs/; a symlink could point anywhere.
    log.fault({ code: "BLOB_UNREADABLE", path, digest, message: `blob ${digest}: ${path} is not a regular file; expected the blob's bytes` });
    return undefined;
  }
  let actual: { digest: Digest; size: number };
  try {
    const handle = await open(path, "r");
    try {
      actual = await hashFile(handle, parseDigest(digest).algorithm, "checking the content store", signal);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (signal?.aborted) throw new AbortedError("checking the content store", signal.reason);
    if (isNotFound(error)) return "gone";
    log.fault({ code: "BLOB_UNREADABLE", path, digest, message: `blob ${digest}: cannot read ${path}: ${messageOf(error)}` });
    return undefined;
  }
  if (actual.digest !== digest) {
    log.fault({ code: "BLOB_DIGEST_MISMATCH", path, digest, message: `blob ${path} hashes to ${actual.digest}; expected ${digest}, the digest it is named by` });
  }
  return actual.size;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
