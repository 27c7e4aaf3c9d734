import { randomUUID } from "node:crypto";
import type { GhaCacheEntryInfo, GhaCacheScope } from "./types.js";

/** An entry as the server keeps it: its info plus the order it was made in (ties of createdAt). */
export interface StoredEntry extends GhaCacheEntryInfo {
  seq: number;
}

export const READ = 1;
export const WRITE = 2;

/** Where an entry is written: the token's first scope with write permission (the run's own ref). */
export function writeScope(scopes: readonly GhaCacheScope[]): string | undefined {
  return scopes.find((s) => (s.permission & WRITE) !== 0)?.scope;
}

/** Where entries are looked up, in order: every scope with read permission (the ref, then its base). */
export function readScopes(scopes: readonly GhaCacheScope[]): string[] {
  return scopes.filter((s) => (s.permission & READ) !== 0).map((s) => s.scope);
}

/**
 * The cache service's entries, in memory (their bodies are blobs in Azurite). An entry is unique
 * by scope + key + version, pending or finalized: GitHub's entries are immutable, so a second
 * CreateCacheEntry for one of them is refused rather than replacing it.
 */
export class EntryStore {
  readonly #entries: StoredEntry[] = [];
  #nextSeq = 1;

  /** The entry of this scope, key and version, pending or finalized. */
  find(scope: string, key: string, version: string): StoredEntry | undefined {
    return this.#entries.find((e) => e.scope === scope && e.key === key && e.version === version);
  }

  /** A new pending entry with a fresh blob name (its id is a proto int64: a decimal string). */
  create(scope: string, key: string, version: string): StoredEntry {
    const seq = this.#nextSeq++;
    const entry: StoredEntry = { id: String(seq), seq, scope, key, version, blobName: `${seq}-${randomUUID()}`, finalized: false, createdAt: Date.now() };
    this.#entries.push(entry);
    return entry;
  }

  /**
   * GetCacheEntryDownloadURL's search: scope by scope in the token's order; in each, finalized
   * entries of `version` only, first one whose key is `key` exactly, then for each restore key in
   * order the newest entry whose key starts with it (createdAt, then creation order).
   */
  lookup(scopes: readonly string[], key: string, restoreKeys: readonly string[], version: string): StoredEntry | undefined {
    for (const scope of scopes) {
      const candidates = this.#entries.filter((e) => e.scope === scope && e.version === version && e.finalized);
      const exact = candidates.find((e) => e.key === key);
      if (exact) return exact;
      const newestFirst = [...candidates].sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
      for (const prefix of restoreKeys) {
        const match = newestFirst.find((e) => e.key.startsWith(prefix));
        if (match) return match;
      }
    }
    return undefined;
  }

  /** Copies of every entry, in creation order. */
  list(): GhaCacheEntryInfo[] {
    return this.#entries.map(({ seq: _seq, ...info }) => ({ ...info }));
  }
}
