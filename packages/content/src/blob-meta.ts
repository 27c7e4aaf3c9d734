import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Digest } from "@exp/oci-spec";
import { writeFileAtomic } from "./atomic-write.js";
import { InvalidArgumentError } from "./errors.js";
import { removeFile } from "./fs-util.js";
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
 * Merges `patch` into the blob's record (null removes a label) and writes it atomically. Serialised
 * per digest in this process; across processes the last writer of one blob's labels wins.
 * `fallbackCreatedAt` dates a record made for a blob that had none.
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
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, JSON.stringify({ createdAt: meta.createdAt.toISOString(), labels: sortKeys(labels) }) + "\n", { signal: options.signal });
    }
    return meta;
  });
}

export async function removeBlobMeta(layout: Layout, mutex: KeyedMutex, digest: Digest): Promise<void> {
  await mutex.run(digest, () => removeFile(layout.blobMetaPath(digest)));
}

function sortKeys(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
