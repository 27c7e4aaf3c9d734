import { ExpError } from "@exp/errors";
import type { Descriptor } from "@exp/oci-spec";
import { InvalidCacheConfigError, maxCacheConfigBytes } from "./parse-config.js";
import type { CacheRootDocument } from "./read-cache.js";

/** A cache's root document (manifest or index) that cannot be read as one. */
export class InvalidCacheManifestError extends ExpError {
  constructor(digest: string, where: string, reason: string) {
    super("ERR_INVALID_CACHE_MANIFEST", `invalid cache manifest ${digest} in ${where}: ${reason}; expected an OCI image manifest or index (JSON object)`);
  }
}

/** A blob that a cache's own documents name, missing from it: the cache is damaged, not empty. */
export class CacheBlobMissingError extends ExpError {
  readonly digest: string;
  constructor(where: string, digest: string, role: string, cause?: unknown) {
    super("ERR_CACHE_BLOB_MISSING", `cache ${where}: blob ${digest} (${role}) is missing`, { cause });
    this.digest = digest;
  }
}

/**
 * Parses a cache root's bytes (already checked against their digest). JSON that is not an object
 * would otherwise surface as a bare SyntaxError or "Cannot read properties of null".
 */
export function parseCacheRoot(bytes: Uint8Array, digest: string, where: string): CacheRootDocument {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new InvalidCacheManifestError(digest, where, `not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidCacheManifestError(digest, where, "not a JSON object");
  return value as CacheRootDocument;
}

/**
 * Refuses a cache config whose descriptor is over BuildKit's limit before a byte of it is read:
 * a lying descriptor (or registry) must not make the importer buffer gigabytes.
 */
export function checkCacheConfigSize(descriptor: Pick<Descriptor, "digest" | "size">): void {
  if (!(descriptor.size <= maxCacheConfigBytes)) {
    throw new InvalidCacheConfigError(`${descriptor.digest} is ${descriptor.size} bytes, over BuildKit's ${maxCacheConfigBytes}-byte limit`);
  }
}
