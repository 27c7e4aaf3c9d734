import type { ContentStore, HistoryRecord, HistorySpec } from "@exp/content";
import { ExpError } from "@exp/errors";

/**
 * The record whose id is `id`, or the only one it is a prefix of; without an id, the latest build
 * (as `buildx history inspect` without a ref). `store` undefined: the default store does not exist yet.
 */
export async function findRecord(store: ContentStore | undefined, root: string, id: string | undefined, signal?: AbortSignal): Promise<HistoryRecord> {
  const records = store ? await store.history.list(signal ? { signal } : {}) : [];
  if (id === undefined) {
    const latest = records.at(-1);
    if (!latest) throw new NoHistoryRecordsError(root, store !== undefined);
    return latest;
  }
  const exact = records.find((r) => r.id === id);
  if (exact) return exact;
  const matches = records.filter((r) => r.id.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new AmbiguousHistoryIdError(id, matches.map((r) => r.id));
  throw new HistoryNotFoundError(id, root, store !== undefined);
}

/** A build id (or prefix) that names no record. */
export class HistoryNotFoundError extends ExpError {
  constructor(id: string, root: string, storeExists: boolean) {
    super("ERR_HISTORY_NOT_FOUND", `no build record "${id}" in the store at ${root}${storeExists ? "" : " (there is no store there yet)"} (see exp history ls)`);
  }
}

/** `exp history inspect` without an id, and there is no record at all (buildx: "no records found"). */
export class NoHistoryRecordsError extends ExpError {
  constructor(root: string, storeExists: boolean) {
    super("ERR_HISTORY_NOT_FOUND", `no build records in the store at ${root}${storeExists ? "" : " (there is no store there yet)"}`);
  }
}

/** A build id prefix that several records start with. */
export class AmbiguousHistoryIdError extends ExpError {
  constructor(prefix: string, ids: readonly string[]) {
    super("ERR_HISTORY_AMBIGUOUS", `build id prefix "${prefix}" matches ${ids.length} records: ${ids.join(", ")}; give more of the id`);
  }
}

/** How a record ended, in buildx's words: Completed, Error or Canceled. */
export function recordStatus(record: HistoryRecord): "Completed" | "Error" | "Canceled" {
  if (record.error === undefined) return "Completed";
  return record.canceled ? "Canceled" : "Error";
}

export function recordJson(record: HistoryRecord): Record<string, unknown> {
  return {
    id: record.id,
    createdAt: record.createdAt.toISOString(),
    ...(record.completedAt ? { completedAt: record.completedAt.toISOString(), durationMs: record.completedAt.getTime() - record.createdAt.getTime() } : {}),
    status: recordStatus(record).toLowerCase(),
    results: record.results,
    ...(record.labels ? { labels: record.labels } : {}),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.request ? { request: record.request } : {}),
    ...(record.steps ? { steps: record.steps } : {}),
    ...(record.warnings ? { warnings: record.warnings } : {}),
  };
}

/** `name=a:1,push=true` as buildx's CSV: a field with a comma or a quote is quoted whole. */
export function attrsText(attrs: HistorySpec["attrs"]): string {
  return Object.entries(attrs)
    .map(([k, v]) => csvField(`${k}=${v}`))
    .join(",");
}

function csvField(field: string): string {
  return /[",\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** `oci-image.manifest`-style short media types for the RESULTS column. */
export function shortMediaType(mediaType: string): string {
  return mediaType
    .replace(/^application\/vnd\.oci\.image\./, "oci-")
    .replace(/^application\/vnd\.docker\.distribution\./, "docker-")
    .replace(/^application\/vnd\./, "")
    .replace(/\.v\d+\+json$|\+json$/, "");
}
