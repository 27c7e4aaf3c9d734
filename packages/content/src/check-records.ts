import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { readBlobMeta, type BlobMeta } from "./blob-meta.js";
import type { BlobSizes } from "./check-blobs.js";
import { noteTempFile } from "./check-leftovers.js";
import type { CheckLog } from "./check-report.js";
import { CorruptMetadataError } from "./errors.js";
import { labelHash, labelIndexComplete, listAllHints, listRecordedDigests } from "./label-index.js";
import type { Layout } from "./layout.js";
import { digestFileName } from "./names.js";

interface ExpectedHint {
  digest: Digest;
  key: string;
  value: string;
}

/**
 * The blob records in meta/blobs and the label index against them. A record is written durably
 * and atomically, so one that does not parse is a fault (gc stops on it). A record without its
 * blob is not: ingest writes the record before linking the blob and delete removes the blob
 * first, so an interrupted ingest or delete leaves one, and gc removes it. The index promises
 * "never a label without its hint" (stale hints are allowed, missing ones are not), so a missing
 * hint is a fault and a stale one a note.
 */
export async function checkBlobRecords(layout: Layout, blobs: BlobSizes, log: CheckLog, signal: AbortSignal | undefined): Promise<void> {
  // Corrupt records included: they are reported once, as BAD_METADATA.
  const recorded = new Set<Digest>(await listRecordedDigests(layout));
  const expected = new Map<string, ExpectedHint>();
  for (const digest of recorded) {
    throwIfAborted(signal, "checking the content store");
    const meta = await readRecord(layout, digest, log);
    if (!meta) continue;
    if (!blobs.has(digest)) log.note("blob records without a blob (an interrupted ingest or delete; gc removes them)", layout.blobMetaPath(digest));
    for (const [key, value] of Object.entries(meta.labels)) expected.set(hintKey(labelHash(key), labelHash(value), digest), { digest, key, value });
  }
  for (const digest of blobs.keys()) {
    // Tolerated (the blob reads as unlabelled), though no crash leaves one: ingest writes the record first.
    if (!recorded.has(digest)) log.note("blobs without a record (read as unlabelled; gc cannot learn their media type)", digest);
  }

  const present = new Set<string>();
  for (const hint of await listAllHints(layout, signal)) {
    const key = hintKey(hint.keyHash, hint.valueHash, hint.digest);
    present.add(key);
    if (hint.parked) noteTempFile(log, hint.path);
    else if (!recorded.has(hint.digest)) log.note("label index hints of blobs without a record (an interrupted delete; gc removes them)", hint.path);
    else if (!expected.has(key)) log.note("stale label index hints (the record dropped the label; findByLabel drops them)", hint.path);
  }
  const missing = [...expected].filter(([key]) => !present.has(key));
  if (missing.length === 0) return;
  if (!(await labelIndexComplete(layout))) {
    // Only after a reboot, or if the index was deleted: the next openContentStore rebuilds it.
    log.note("label index hints missing while the index is marked incomplete (the next open rebuilds it)", layout.labelIndexMarker);
    return;
  }
  for (const [, { digest, key, value }] of missing) {
    // Re-read: a writer in another process may have dropped the label since (it removes hints after the record).
    const now = await readBlobMeta(layout, digest).catch(() => undefined);
    if (now?.labels[key] !== value) continue;
    log.fault({
      code: "MISSING_LABEL_HINT",
      path: layout.blobMetaPath(digest),
      digest,
      message: `blob ${digest} has the label ${key}=${JSON.stringify(value)} but the label index has no hint for it; expected the file ${join(layout.labelValueDir(labelHash(key), labelHash(value)), digestFileName(digest))}`,
    });
  }
}

async function readRecord(layout: Layout, digest: Digest, log: CheckLog): Promise<BlobMeta | undefined> {
  try {
    return await readBlobMeta(layout, digest);
  } catch (error) {
    if (!(error instanceof CorruptMetadataError)) throw error;
    log.fault({ code: "BAD_METADATA", path: error.path, digest, message: `${error.message}; expected { createdAt, labels } as the store writes it` });
    return undefined;
  }
}

function hintKey(keyHash: string, valueHash: string, digest: Digest): string {
  return `${keyHash}/${valueHash}/${digest}`;
}
