import { throwIfAborted } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { readBlobMeta } from "./blob-meta.js";
import { blobSize } from "./blobs.js";
import { mapLimit } from "./fs-util.js";
import { dropStaleHint, labelHash, labelIndexComplete, listHints, listRecordedDigests, type Hint } from "./label-index.js";
import type { Layout } from "./layout.js";
import type { KeyedMutex } from "./lock.js";
import type { BlobInfo } from "./types.js";

/** How many candidate blobs are confirmed at once. */
const CONFIRM_CONCURRENCY = 16;

/**
 * The blobs whose label `key` is `value` (any value when undefined), sorted by digest. The label
 * index names the candidates; each is confirmed against the blob's record and blobs/, and hints the
 * record contradicts are dropped. Cost: one directory listing plus one stat and one record read per
 * candidate, instead of a read of every record in the store.
 */
export async function findByLabel(
  layout: Layout,
  mutex: KeyedMutex,
  key: string,
  value: string | undefined,
  signal?: AbortSignal,
  options: { readOnly?: boolean } = {},
): Promise<BlobInfo[]> {
  throwIfAborted(signal, "findByLabel");
  // Read-only, nothing may be rewritten: stale hints stay, and an index that is not complete for
  // this boot (which a writable open would rebuild) is bypassed by reading every record.
  if (options.readOnly && !(await labelIndexComplete(layout))) return scanRecords(layout, key, value, signal);
  const byDigest = new Map<Digest, Hint[]>();
  for (const hint of await listHints(layout, key, value, signal)) {
    const list = byDigest.get(hint.digest);
    if (list) list.push(hint);
    else byDigest.set(hint.digest, [hint]);
  }
  const digests = [...byDigest.keys()].sort();
  const found = await mapLimit(digests, CONFIRM_CONCURRENCY, async (digest): Promise<BlobInfo | undefined> => {
    throwIfAborted(signal, "findByLabel");
    const meta = await readBlobMeta(layout, digest);
    const actual = meta?.labels[key];
    const actualHash = actual === undefined ? undefined : labelHash(actual);
    if (!options.readOnly) {
      for (const hint of byDigest.get(digest)!) {
        if (hint.valueHash !== actualHash) await dropStaleHint(layout, mutex, hint);
      }
    }
    if (!meta || actual === undefined || (value !== undefined && actual !== value)) return undefined;
    // A record whose blob is not (or not yet) in blobs/: an ingest in flight, or an orphan gc removes.
    const size = await blobSize(layout, digest);
    return size === undefined ? undefined : { digest, size, labels: meta.labels, createdAt: meta.createdAt };
  });
  return found.filter((info): info is BlobInfo => info !== undefined);
}

/** findByLabel without the index: every blob record is read. */
async function scanRecords(layout: Layout, key: string, value: string | undefined, signal: AbortSignal | undefined): Promise<BlobInfo[]> {
  const digests = (await listRecordedDigests(layout)).sort();
  const found = await mapLimit(digests, CONFIRM_CONCURRENCY, async (digest): Promise<BlobInfo | undefined> => {
    throwIfAborted(signal, "findByLabel");
    const meta = await readBlobMeta(layout, digest);
    const actual = meta?.labels[key];
    if (!meta || actual === undefined || (value !== undefined && actual !== value)) return undefined;
    const size = await blobSize(layout, digest);
    return size === undefined ? undefined : { digest, size, labels: meta.labels, createdAt: meta.createdAt };
  });
  return found.filter((info): info is BlobInfo => info !== undefined);
}
