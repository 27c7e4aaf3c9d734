import { mergeScopes } from "./scope.js";
import type { TokenResponse } from "./token-response.js";

/** What a token is good for. Scopes are compared as a set, so their order does not matter. */
export interface TokenCacheKey {
  registry: string;
  realm: string;
  service?: string;
  scopes: readonly string[];
}

export interface TokenCacheOptions {
  /** Most entries kept; the least recently used go first. Default 256. */
  maxEntries?: number;
  /** Milliseconds since the epoch; injected by tests. Default Date.now. */
  now?: () => number;
  /** Drop a token this long before it expires. Default 10 s, and at most a tenth of its lifetime. */
  safetyMarginMs?: number;
}

/** The distribution token spec: a token without expires_in lives 60 s. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;

interface Entry {
  token: string;
  expiresAt: number;
}

/**
 * Bearer tokens per (registry, realm, service, scope set), dropped shortly before they expire and
 * bounded by an LRU cap, since a long-lived process may touch many repositories.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #safetyMarginMs: number;

  constructor(options: TokenCacheOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 256);
    this.#now = options.now ?? Date.now;
    this.#safetyMarginMs = options.safetyMarginMs ?? 10_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached token, if one is still fresh. */
  get(key: TokenCacheKey): string | undefined {
    const id = keyOf(key);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(id, entry); // most recently used goes last
    return entry.token;
  }

  set(key: TokenCacheKey, response: TokenResponse): void {
    const now = this.#now();
    const lifetimeMs = (response.expiresIn > 0 ? response.expiresIn : DEFAULT_TOKEN_LIFETIME_SECONDS) * 1000;
    // issued_at is honoured, but never later than now: a token server whose clock runs ahead
    // must not make us keep a token longer than it lives.
    const issuedAt = response.issuedAt ? Math.min(response.issuedAt.getTime(), now) : now;
    const expiresAt = issuedAt + lifetimeMs - Math.min(this.#safetyMarginMs, lifetimeMs / 10);
    const id = keyOf(key);
    this.#entries.delete(id);
    if (expiresAt <= now) return;
    this.#entries.set(id, { token: response.token, expiresAt });
    this.#evict(now);
  }

  /**
   * Forgets the token for a key, after the registry refused it with 401. With `token`, only that
   * token is dropped, so a fresh one stored meanwhile by a concurrent request survives.
   */
  invalidate(key: TokenCacheKey, token?: string): boolean {
    const id = keyOf(key);
    const entry = this.#entries.get(id);
    if (!entry || (token !== undefined && entry.token !== token)) return false;
    return this.#entries.delete(id);
  }

  clear(): void {
    this.#entries.clear();
  }

  #evict(now: number): void {
    if (this.#entries.size <= this.#maxEntries) return;
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(id);
    for (const id of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(id);
    }
  }

  toJSON(): { size: number } {
    return { size: this.size };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `TokenCache { size: ${this.size} }`;
  }
}

function keyOf(key: TokenCacheKey): string {
  return JSON.stringify([key.registry, key.realm, key.service ?? "", mergeScopes(key.scopes)]);
}
