import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Digest } from "@exp/oci-spec";
import { writeFileAtomic } from "./atomic-write.js";
import { CorruptMetadataError, InvalidArgumentError } from "./errors.js";
import { isNotFound, removeFile } from "./fs-util.js";
import { addLabelHints, removeLabelHints } from "./label-index.js";
import type { Layout } from "./layout.js";
import type { KeyedMutex } from "./lock.js";
import { readJsonRecord, recordDate, recordLabels } from "./records.js";

/** What the store knows about a blob besides its bytes. */
export interface BlobMeta {
  labels: Record<string, string>;
  createdAt: Date;
}

export async function readBlobMeta(layout: Layout, digest: Digest): Promise<BlobMeta | undefined> {
  const path = layout.blobMetaPath(digest);
  const record = await readJsonRecord(path);
  if (!record) return undefined;
  return { labels: recordLabels(path, record.labels), createdAt: recordDate(path, record, "createdAt") };
}

export type LabelPatch = Record<string, string | null>;

export function checkLabelPatch(value: unknown): LabelPatch {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidArgumentError("labels", value, "an object of string or null values");
  for (const [key, v] of Object.entries(value)) {
    if (key.length === 0) throw new InvalidArgumentError("label key", key, "a non-empty string");
    if (v !== null && typeof v !== "string") throw new InvalidArgumentError(`label value for "${key}"`, v, "a string, or null to remove the label");
  }
  return value as LabelPatch;
}

/**
 * Merges `patch` into the blob's record (null removes a label) and writes it atomically, keeping
 * the label index in step (see label-index.ts for the protocol). Serialised per digest in this
 * process; across processes the last writer of one blob's labels wins. `fallbackCreatedAt` dates
 * a record made for a blob that had none.
 */
export async function updateBlobMeta(
  layout: Layout,
  mutex: KeyedMutex,
  digest: Digest,
  patch: LabelPatch,
  options: { fallbackCreatedAt?: Date; signal?: AbortSignal } = {},
): Promise<BlobMeta> {
  return mutex.run(digest, async () => {
    const existing = await readBlobMeta(layout, digest);
    const labels = { ...existing?.labels };
    let changed = !existing;
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) {
        if (key in labels) {
          delete labels[key];
          changed = true;
        }
      } else if (labels[key] !== value) {
        labels[key] = value;
        changed = true;
      }
    }
    const meta: BlobMeta = { labels, createdAt: existing?.createdAt ?? options.fallbackCreatedAt ?? new Date() };
    if (changed) {
      const path = layout.blobMetaPath(digest);
      const record = JSON.stringify({ createdAt: meta.createdAt.toISOString(), labels: sortKeys(labels) }) + "\n";
      // Index hints before the record is renamed into place (they are created while its temp file
      // is written and synced), so a crash leaves at worst a stale hint, never a missing one.
      const hinted = addLabelHints(layout, digest, labels);
      hinted.catch(() => undefined); // awaited by writeFileAtomic; this only covers an early failure
      const write = { signal: options.signal, beforeRename: hinted };
      // Durable truth (fsync kept): labels are what gc reads media types and gc.ref labels from,
      // and what findByLabel answers with; ingest writes this before linking the blob.
      try {
        await writeFileAtomic(path, record, write);
      } catch (error) {
        // meta/blobs/<alg>/ is made at open for sha256 only; another algorithm's appears on first use.
        if (!isNotFound(error)) throw error;
        await mkdir(dirname(path), { recursive: true });
        await writeFileAtomic(path, record, write);
      }
      // Again after: another process may have removed a hint of ours meanwhile (label-index.ts).
      await addLabelHints(layout, digest, labels);
      if (existing) await removeLabelHints(layout, digest, Object.entries(existing.labels).filter(([key, value]) => labels[key] !== value));
    }
    return meta;
  });
}

/** Removes the blob's record, then its label index hints (a crash in between leaves stale hints, which gc removes). */
export async function removeBlobMeta(layout: Layout, mutex: KeyedMutex, digest: Digest): Promise<void> {
  await mutex.run(digest, async () => {
    let labels: Record<string, string> = {};
    try {
      labels = (await readBlobMeta(layout, digest))?.labels ?? {};
    } catch (error) {
      // Its hints cannot be named; gc's sweep removes them once the record is gone.
      if (!(error instanceof CorruptMetadataError)) throw error;
    }
    await removeFile(layout.blobMetaPath(digest));
    await removeLabelHints(layout, digest, Object.entries(labels));
  });
}

function sortKeys(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
