import type { BlobStore } from "./blob-store.js";
import { readScopes, writeScope, type EntryStore, type StoredEntry } from "./entry-store.js";
import { decodeCreate, decodeFinalize, decodeGetDownloadUrl } from "./messages.js";
import { TwirpError, type CacheRpc } from "./twirp.js";
import type { GhaCacheScope } from "./types.js";

/** One RPC: the caller's scopes (from its verified token) and the parsed body in, the response message out. */
export type RpcHandler = (scopes: readonly GhaCacheScope[], body: unknown) => Promise<Record<string, unknown>>;

/**
 * The three RPCs actions/cache (saveCacheV2, restoreCacheV2) and BuildKit (cache_v2.go: reserveV2,
 * commitV2, loadV2) call. Responses carry every field, defaults included, as Twirp's Go server
 * writes them (BuildKit reads `ok` to tell a miss from a hit).
 */
export function cacheHandlers(store: EntryStore, blobs: BlobStore): Record<CacheRpc, RpcHandler> {
  // FinalizeCacheEntryUpload reads Azurite before it marks the entry: two finalizes of one entry
  // at once must not both pass, so they run one after the other.
  const finalizing = new Map<StoredEntry, Promise<unknown>>();

  return {
    async CreateCacheEntry(scopes, body) {
      const scope = requireWriteScope(scopes);
      const { key, version } = decodeCreate(body);
      if (store.find(scope, key, version)) throw new TwirpError("already_exists", `an entry with key ${JSON.stringify(key)} and version ${JSON.stringify(version)} already exists in scope ${scope}`);
      const entry = store.create(scope, key, version);
      return { ok: true, signed_upload_url: blobs.uploadUrl(entry.blobName) };
    },

    async FinalizeCacheEntryUpload(scopes, body) {
      const scope = requireWriteScope(scopes);
      const { key, version, sizeBytes } = decodeFinalize(body);
      const entry = store.find(scope, key, version);
      if (!entry) throw new TwirpError("not_found", `no entry with key ${JSON.stringify(key)} and version ${JSON.stringify(version)} was created in scope ${scope}`);
      const previous = finalizing.get(entry) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(() => finalize(entry, sizeBytes));
      finalizing.set(entry, run);
      try {
        return await run;
      } finally {
        if (finalizing.get(entry) === run) finalizing.delete(entry);
      }
    },

    async GetCacheEntryDownloadURL(scopes, body) {
      const readable = readScopes(scopes);
      if (readable.length === 0) throw new TwirpError("permission_denied", "the token has no scope with read permission");
      const { key, restoreKeys, version } = decodeGetDownloadUrl(body);
      const entry = store.lookup(readable, key, restoreKeys, version);
      if (!entry) return { ok: false, signed_download_url: "", matched_key: "" };
      return { ok: true, signed_download_url: blobs.downloadUrl(entry.blobName), matched_key: entry.key };
    },
  };

  async function finalize(entry: StoredEntry, sizeBytes: number): Promise<Record<string, unknown>> {
    const what = `key ${JSON.stringify(entry.key)} (version ${JSON.stringify(entry.version)})`;
    if (entry.finalized) throw new TwirpError("already_exists", `the entry of ${what} is already finalized`);
    const uploaded = await blobs.size(entry.blobName);
    if (uploaded === undefined) throw new TwirpError("invalid_argument", `nothing was uploaded to the signed URL of ${what}`);
    if (uploaded !== sizeBytes) throw new TwirpError("invalid_argument", `size_bytes is ${sizeBytes} but ${uploaded} bytes were uploaded for ${what}`);
    entry.finalized = true;
    entry.sizeBytes = sizeBytes;
    return { ok: true, entry_id: entry.id };
  }
}

function requireWriteScope(scopes: readonly GhaCacheScope[]): string {
  const scope = writeScope(scopes);
  if (scope === undefined) throw new TwirpError("permission_denied", "the token has no scope with write permission");
  return scope;
}
