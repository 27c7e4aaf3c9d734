import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { Descriptor } from "@exp/oci-spec";
import { isTempName, writeFileAtomic } from "./atomic-write.js";
import { readHistoryDetails, serializeHistoryDetails } from "./history-details.js";
import { CorruptMetadataError, InvalidArgumentError } from "./errors.js";
import { listDir, removeFile } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { checkName } from "./names.js";
import {
  checkDate,
  checkDescriptor,
  checkLabels,
  readJsonRecord,
  recordDate,
  recordDescriptor,
  recordLabels,
  recordOptionalDate,
  recordString,
} from "./records.js";
import type { HistoryRecord } from "./types.js";

// One file per build record: put() replaces one file atomically and never touches the others,
// and GC reads the `results` of every record as roots.

export async function putHistory(layout: Layout, record: HistoryRecord, signal?: AbortSignal): Promise<void> {
  const id = checkName("history id", record?.id);
  const serialized: Record<string, unknown> = {
    id,
    createdAt: checkDate("history createdAt", record.createdAt).toISOString(),
  };
  if (record.completedAt !== undefined) serialized.completedAt = checkDate("history completedAt", record.completedAt).toISOString();
  if (!Array.isArray(record.results)) throw new InvalidArgumentError("history results", record.results, "an array of descriptors");
  serialized.results = record.results.map((d, i) => checkDescriptor(`history results[${i}]`, d));
  if (record.labels !== undefined) serialized.labels = checkLabels("history labels", record.labels);
  if (record.error !== undefined) {
    if (typeof record.error !== "string") throw new InvalidArgumentError("history error", record.error, "a string");
    serialized.error = record.error;
  }
  Object.assign(serialized, serializeHistoryDetails(record));
  throwIfAborted(signal, `writing history record ${JSON.stringify(id)}`);
  await writeFileAtomic(layout.historyPath(id), JSON.stringify(serialized) + "\n", { signal });
}

export async function getHistory(layout: Layout, id: string): Promise<HistoryRecord | undefined> {
  return readHistoryAt(layout.historyPath(checkName("history id", id)));
}

/** The record in one file; undefined when the file does not exist, CorruptMetadataError when it does not parse. */
export async function readHistoryAt(path: string): Promise<HistoryRecord | undefined> {
  const raw = await readJsonRecord(path);
  if (!raw) return undefined;
  if (!Array.isArray(raw.results)) throw new CorruptMetadataError(path, '"results" is not an array');
  const record: HistoryRecord = {
    id: recordString(path, raw, "id"),
    createdAt: recordDate(path, raw, "createdAt"),
    results: raw.results.map((d: unknown, i: number): Descriptor => recordDescriptor(path, d, `results[${i}]`)),
  };
  const completedAt = recordOptionalDate(path, raw, "completedAt");
  if (completedAt) record.completedAt = completedAt;
  if (raw.labels !== undefined) record.labels = recordLabels(path, raw.labels);
  if (raw.error !== undefined) record.error = recordString(path, raw, "error");
  return { ...record, ...readHistoryDetails(path, raw) };
}

/** Oldest first (by createdAt, then id, so equal timestamps still list in a stable order). */
export async function listHistory(layout: Layout, signal?: AbortSignal): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for (const name of await listDir(layout.historyDir)) {
    if (isTempName(name) || !name.endsWith(".json")) continue;
    throwIfAborted(signal, "listing history");
    const record = await readHistoryAt(join(layout.historyDir, name));
    if (record) records.push(record);
  }
  return records.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function deleteHistory(layout: Layout, id: string): Promise<boolean> {
  return removeFile(layout.historyPath(checkName("history id", id)));
}
