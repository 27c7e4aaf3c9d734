import type { ContentStore } from "@exp/content";
import { isDigest, type Digest } from "@exp/oci-spec";

/**
 * What the last download of a URL gave, kept so the next build can ask the server whether it
 * changed (If-None-Match) instead of downloading it again: BuildKit's httpsource keeps the same
 * (ETag, digest and Last-Modified on the snapshot's metadata, searched by a hash of the URL and
 * file name) and, like it, exp keeps it only when the server sent an ETag.
 */
export interface UrlRecord {
  readonly url: string;
  readonly filename: string;
  readonly etag: string;
  readonly digest: Digest;
  readonly size: number;
  /** The Last-Modified header as sent, if any. */
  readonly lastModified?: string;
}

/** Root names of these records; `exp du` and `exp prune` should count them as BuildKit's "regular" records. */
export const urlRecordRootPrefix = "exp.http/";
const mediaType = "application/vnd.exp.http-record.v1+json";

/** The record for `key` whose content is still in the store, else undefined (never an error). */
export async function getUrlRecord(store: ContentStore, key: Digest, options: { signal?: AbortSignal }): Promise<UrlRecord | undefined> {
  const root = await store.roots.get(urlRecordRootPrefix + key, options);
  if (!root) return undefined;
  try {
    const record = JSON.parse((await store.readAll(root.digest, { ...options, maxBytes: 64 * 1024 })).toString("utf8")) as UrlRecord;
    if (typeof record.etag !== "string" || !isDigest(record.digest) || typeof record.size !== "number") return undefined;
    return (await store.exists(record.digest, options)) ? record : undefined;
  } catch {
    // An unreadable record only costs a download.
    return undefined;
  }
}

/**
 * Saves the record under a root (so GC keeps it), with a gc.ref label that keeps the downloaded
 * blob as long as the record. `lease` holds the record's blob until its root names it.
 */
export async function putUrlRecord(store: ContentStore, key: Digest, record: UrlRecord, options: { lease: string; signal?: AbortSignal }): Promise<void> {
  const signal = options.signal ? { signal: options.signal } : {};
  const written = await store.writeBlob(JSON.stringify(record), {
    mediaType,
    labels: { "containerd.io/gc.ref.content.http": record.digest },
    lease: options.lease,
    ...signal,
  });
  await store.roots.set(urlRecordRootPrefix + key, { mediaType, digest: written.digest, size: written.size }, signal);
}
