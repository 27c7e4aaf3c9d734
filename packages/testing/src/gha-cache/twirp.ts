import type { ServerResponse } from "node:http";

/** The Twirp service GitHub's cache service v2 is (actions/toolkit's cache.proto). */
export const CACHE_SERVICE = "github.actions.results.api.v1.CacheService";
export const ROUTE_PREFIX = `/twirp/${CACHE_SERVICE}/`;

/** The RPCs this server answers: the ones actions/cache and BuildKit call. */
export const CACHE_RPCS = ["CreateCacheEntry", "FinalizeCacheEntryUpload", "GetCacheEntryDownloadURL"] as const;
export type CacheRpc = (typeof CACHE_RPCS)[number];

export function isCacheRpc(name: string): name is CacheRpc {
  return (CACHE_RPCS as readonly string[]).includes(name);
}

/** The HTTP status Twirp's spec gives each error code this server uses. */
const STATUS = {
  bad_route: 404,
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  resource_exhausted: 429,
  internal: 500,
} as const;
export type TwirpCode = keyof typeof STATUS;

/**
 * A Twirp error answer, thrown by a handler and turned into `{"code","msg"}` with the code's status.
 * Clients read `msg` (actions/toolkit appends it to its error message), so it says what was wrong.
 */
export class TwirpError extends Error {
  readonly code: TwirpCode;
  readonly status: number;
  /** Extra response headers (Retry-After for resource_exhausted). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: TwirpCode, msg: string, headers: Record<string, string> = {}) {
    super(msg);
    this.name = "TwirpError";
    this.code = code;
    this.status = STATUS[code];
    this.headers = headers;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}

export function sendTwirpError(res: ServerResponse, error: TwirpError): void {
  sendJson(res, error.status, { code: error.code, msg: error.message }, { ...error.headers });
}
