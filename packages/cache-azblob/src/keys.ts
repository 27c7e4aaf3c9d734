import { posix } from "node:path";
import type { AzblobCacheOptions } from "./options.js";

/**
 * Go's filepath.Join on Linux, which BuildKit's azblob backend builds every blob name with
 * (cache/remotecache/azblob/utils.go, manifestKey and blobKey): empty parts are dropped, the rest
 * joined with "/" and cleaned (no doubled or trailing slash, "." and ".." resolved). So the README's
 * `<prefix><blobs_prefix>/<digest>` is really `prefix/blobs/sha256:…`: "cache" and "cache/" name
 * the same place, unlike the S3 backend, which concatenates.
 */
export function goJoin(...parts: readonly string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  if (joined === "") return "";
  const clean = posix.normalize(joined);
  return clean.length > 1 && clean.endsWith("/") ? clean.slice(0, -1) : clean;
}

/** `<prefix>/<blobs_prefix>/sha256:<hex>`, as BuildKit names a layer blob. */
export function blobName(options: Pick<AzblobCacheOptions, "prefix" | "blobsPrefix">, digest: string): string {
  return goJoin(options.prefix, options.blobsPrefix, digest);
}

/** `<prefix>/<manifests_prefix>/<name>`, as BuildKit names a cache config. */
export function manifestName(options: Pick<AzblobCacheOptions, "prefix" | "manifestsPrefix">, name: string): string {
  return goJoin(options.prefix, options.manifestsPrefix, name);
}
