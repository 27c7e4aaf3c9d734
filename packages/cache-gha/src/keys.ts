import { createHash } from "node:crypto";

/**
 * BuildKit's names for what it keeps in the GitHub Actions cache (cache/remotecache/gha/gha.go),
 * so that a cache one writes the other reads:
 * - a layer blob is the entry `buildkit-blob-1-sha256:<hex>` (blobKey);
 * - the cache config of a `scope` is `index-<scope>-1-<first 8 hex of sha256(token scope)>`
 *   (indexKey), the token scope being the git ref the runtime token may write (`refs/heads/main`),
 *   saved under `#1`, `#2`, … suffixes (go-actions-cache's SaveMutable): cache entries are
 *   immutable, so each export adds the next number and a lookup of the prefix finds the newest.
 */
const KEY_FORMAT = "1";

export const BLOB_KEY_PREFIX = `buildkit-blob-${KEY_FORMAT}-`;

export function blobKey(digest: string): string {
  return `${BLOB_KEY_PREFIX}${digest}`;
}

export function indexKey(tokenScope: string, cacheScope: string): string {
  const scopeHash = createHash("sha256").update(tokenScope).digest("hex").slice(0, 8);
  return `index-${cacheScope}-${KEY_FORMAT}-${scopeHash}`;
}

/**
 * The `version` every entry is created and looked up with: go-actions-cache's version(), the
 * sha256 of a fixed string (actions/cache hashes the cached paths there; BuildKit has none). The
 * service matches entries on key *and* version, so a client with another version sees nothing.
 */
export const ENTRY_VERSION = createHash("sha256").update("|go-actionscache-1.0").digest("hex");

/** The number after `#` in a mutable entry's key (`index-…#3` → 3), or undefined when it has none. */
export function mutableIndex(matchedKey: string, key: string): number | undefined {
  if (!matchedKey.startsWith(`${key}#`)) return undefined;
  const text = matchedKey.slice(key.length + 1);
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
