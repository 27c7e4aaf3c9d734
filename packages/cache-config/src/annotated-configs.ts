import type { Descriptor, Digest } from "@exp/oci-spec";
import { uncompressedAnnotation } from "./build-config.js";
import { parseCacheConfig } from "./parse-config.js";
import { importedRecords, type ImportedChainLayer } from "./read-cache.js";
import type { CacheConfig } from "./types.js";

/**
 * The layers of a cache config that names them itself, in its per-layer annotations: the form of
 * BuildKit's remote caches without a manifest (s3, azblob and gha: `LayerAnnotations` in
 * cache/remotecache/v1). A layer without annotations cannot be described and is left out.
 */
export function annotatedLayers(config: CacheConfig): Descriptor[] {
  return (config.layers ?? []).flatMap((l) =>
    l.annotations ? [{ mediaType: l.annotations.mediaType, digest: l.blob, size: l.annotations.size, annotations: { [uncompressedAnnotation]: l.annotations.diffID, "buildkit/createdat": l.annotations.createdAt } }] : [],
  );
}

/**
 * The records of several such configs (their texts; undefined where there was none), combined in
 * order: the first config that has a key gives its chain and inputs, as BuildKit's importers
 * combine one cache manager per name or scope (NewCombinedCacheManager). `found` counts the texts.
 */
export async function combineAnnotatedConfigs(
  texts: readonly (string | undefined)[],
): Promise<{ results: Map<Digest, readonly ImportedChainLayer[]>; inputs: Map<Digest, readonly Digest[]>; found: number }> {
  const results = new Map<Digest, readonly ImportedChainLayer[]>();
  const inputs = new Map<Digest, readonly Digest[]>();
  let found = 0;
  for (const text of texts) {
    if (text === undefined) continue;
    found++;
    const config = parseCacheConfig(text);
    const records = await importedRecords(config, annotatedLayers(config));
    for (const [key, chain] of records.results) if (!results.has(key)) results.set(key, chain);
    for (const [key, keys] of records.inputs) if (!inputs.has(key)) inputs.set(key, keys);
  }
  return { results, inputs, found };
}
