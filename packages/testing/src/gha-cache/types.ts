import type { TestAzurite } from "../azurite.js";

/**
 * One entry of the runtime token's `ac` claim. `permission` is a bit set as GitHub's tokens carry
 * it (and BuildKit's go-actions-cache reads it): 1 read, 2 write, 3 both.
 */
export interface GhaCacheScope {
  scope: string;
  permission: number;
}

export interface StartGhaCacheOptions {
  /** A running Azurite (startAzurite()): entry bodies live there, uploaded and downloaded through SAS URLs. */
  azurite: TestAzurite;
  /** Azurite container for entry bodies, created on start when missing. Default "gha-cache". */
  container?: string;
  /**
   * The account URL written into the signed URLs, for clients to reach Azurite some other way (a
   * fault or link proxy in front of it: `${proxy.url}devstoreaccount1`). Default azurite.accountUrl.
   */
  blobEndpoint?: string;
  /** Lifetime of the signed URLs handed out, in seconds. Default 600. */
  sasTtlSeconds?: number;
  /** Aborting while starting rejects with AbortedError; aborting later stops the server. */
  signal?: AbortSignal;
}

/** What the server holds about one entry (a copy: changing it changes nothing). */
export interface GhaCacheEntryInfo {
  /** The entry id FinalizeCacheEntryUpload answers (`entry_id`, a proto int64, so a decimal string). */
  id: string;
  /** The scope it was written to: the token's first scope with write permission. */
  scope: string;
  key: string;
  version: string;
  /** The blob in the container that holds its body. */
  blobName: string;
  /** Set by a successful FinalizeCacheEntryUpload. */
  sizeBytes?: number;
  finalized: boolean;
  /** Date.now() when CreateCacheEntry made it. */
  createdAt: number;
}

/** One RPC the server answered. The Authorization header is never recorded. */
export interface GhaCacheRequest {
  /** The method name (`CreateCacheEntry`), or the request path when it named no method of the service. */
  rpc: string;
  status: number;
  /** The request body parsed as JSON; its text when it is not JSON; undefined when empty. */
  body: unknown;
}

export interface TestGhaCache {
  /** What ACTIONS_RESULTS_URL holds: "http://127.0.0.1:PORT/" (trailing slash). */
  url: string;
  /**
   * An ACTIONS_RUNTIME_TOKEN for these scopes: a JWT (HS256, signed with a per-server random secret)
   * with claims ac (JSON *string* of [{"Scope":..., "Permission":...}], as GitHub's tokens carry it),
   * nbf, iat, exp (default now+3600 s; a negative expiresInSeconds gives an expired token).
   */
  token(scopes: readonly GhaCacheScope[], options?: { expiresInSeconds?: number }): string;
  /** Every entry, pending or finalized, in creation order. */
  entries(): GhaCacheEntryInfo[];
  /** Every RPC answered, in order (the live array). */
  readonly requests: readonly GhaCacheRequest[];
  /** The next `count` RPCs (of `rpc` only, when given) answer 429 with `Retry-After: <retryAfterSeconds>`. */
  throttle(count: number, retryAfterSeconds: number, rpc?: string): void;
  /** Stops serving (Azurite is the caller's: it keeps running). Safe to call more than once. */
  stop(): Promise<void>;
}
