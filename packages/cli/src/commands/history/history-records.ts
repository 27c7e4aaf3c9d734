import type { ContentStore, HistoryRecord } from "@exp/content";
import { ExpError } from "@exp/errors";

/** The record whose id is `id`, or the only one it is a prefix of. `store` undefined: the default store does not exist yet. */
export async function findRecord(store: ContentStore | undefined, root: string, id: string): Promise<HistoryRecord> {
  const records = store ? await store.history.list() : [];
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

/** A build id prefix that several records start with. */
export class AmbiguousHistoryIdError extends ExpError {
  constructor(prefix: string, ids: readonly string[]) {
    super("ERR_HISTORY_AMBIGUOUS", `build id prefix "${prefix}" matches ${ids.length} records: ${ids.join(", ")}; give more of the id`);
  }
}

export function recordJson(record: HistoryRecord): Record<string, unknown> {
  return {
    id: record.id,
    createdAt: record.createdAt.toISOString(),
    ...(record.completedAt ? { completedAt: record.completedAt.toISOString() } : {}),
    results: record.results,
    ...(record.labels ? { labels: record.labels } : {}),
    ...(record.error === undefined ? {} : { error: record.error }),
  };
}

/** `oci-image.manifest`-style short media types for the RESULTS column. */
export function shortMediaType(mediaType: string): string {
  return mediaType
    .replace(/^application\/vnd\.oci\.image\./, "oci-")
    .replace(/^application\/vnd\.docker\.distribution\./, "docker-")
    .replace(/^application\/vnd\./, "")
    .replace(/\.v\d+\+json$|\+json$/, "");
}

export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > max ? `${oneLine.slice(0, max - 3)}...` : oneLine;
}
