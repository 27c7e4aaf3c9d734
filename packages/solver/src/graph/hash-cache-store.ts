import type { ContentStore } from "@exp/content";
import { isDigest } from "@exp/oci-spec";
import { ContentHashCache, type HashCacheEntry } from "../fs/index.js";

const rootName = "exp.hash-cache";
const mediaType = "application/vnd.exp.hash-cache.v1+json";
/** Enough for large contexts; the oldest entries are dropped beyond it. */
const maxEntries = 500_000;

/**
 * Loads the file-content hashes a previous build on this store computed, so an unchanged file
 * (same device, inode, size, mtime and ctime) is never read again to compute a cache key.
 * A missing or unreadable record is an empty cache, never an error.
 */
export async function loadHashCache(store: ContentStore, options: { signal?: AbortSignal } = {}): Promise<ContentHashCache> {
  const cache = new ContentHashCache();
  const root = await store.roots.get(rootName, options);
  if (!root) return cache;
  try {
    const entries = JSON.parse((await store.readAll(root.digest, { ...options, maxBytes: 128 * 1024 * 1024 })).toString("utf8")) as unknown;
    if (Array.isArray(entries)) cache.load(entries.filter(isHashCacheEntry));
  } catch {
    // Start over: the hashes are an optimisation.
  }
  return cache;
}

/**
 * Saves the cache as one blob named by a root; the previous blob becomes garbage for the next GC.
 * `lease` (the build's) holds the new blob until its root names it, so a concurrent GC cannot take it.
 * A cache that nothing changed since it was loaded is not written again (a warm rebuild). The JSON
 * is streamed in slices: as one string it was megabytes more at the build's peak of memory.
 */
export async function saveHashCache(store: ContentStore, cache: ContentHashCache, options: { lease?: string; signal?: AbortSignal } = {}): Promise<void> {
  if (!cache.changed) return;
  const entries = cache.entries().slice(-maxEntries);
  const signal = options.signal ? { signal: options.signal } : {};
  const written = await store.ingest(jsonArraySlices(entries), { mediaType, ...signal, ...(options.lease ? { lease: options.lease } : {}) });
  await store.roots.set(rootName, { mediaType, digest: written.digest, size: written.size }, signal);
}

/** The bytes of JSON.stringify(items), a slice of items at a time. */
async function* jsonArraySlices(items: readonly unknown[], perSlice = 2_000): AsyncGenerator<Uint8Array> {
  if (items.length === 0) {
    yield Buffer.from("[]");
    return;
  }
  for (let start = 0; start < items.length; start += perSlice) {
    const body = items.slice(start, start + perSlice).map((item) => JSON.stringify(item)).join(",");
    yield Buffer.from(`${start === 0 ? "[" : ","}${body}${start + perSlice >= items.length ? "]" : ""}`);
  }
}

/** Forgets the saved hashes (`exp prune --all`). */
export async function clearHashCache(store: ContentStore, options: { signal?: AbortSignal } = {}): Promise<void> {
  await store.roots.delete(rootName, options);
}

/** `[key, digest]` or `[key, digest, xattrs]` with xattrs null or an object of base64 strings; anything else is dropped. */
function isHashCacheEntry(value: unknown): value is HashCacheEntry {
  if (!Array.isArray(value) || typeof value[0] !== "string" || !isDigest(value[1])) return false;
  const xattrs: unknown = value[2];
  if (xattrs === undefined || xattrs === null) return value.length <= 3;
  return typeof xattrs === "object" && !Array.isArray(xattrs) && Object.values(xattrs).every((v) => typeof v === "string");
}
