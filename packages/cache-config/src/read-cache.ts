import { isDigest, type Descriptor, type Digest } from "@exp/oci-spec";
import { cacheConfigMediaType } from "./media-type.js";
import { chainOf } from "./parse-config.js";
import { createdAtAnnotation, uncompressedAnnotation } from "./build-config.js";
import type { CacheConfig } from "./types.js";

/** A cache root document: an OCI manifest (image-manifest cache) or an index (config as last entry). */
export interface CacheRootDocument {
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

/**
 * Where a cache root keeps its config and its layer descriptors: an image-manifest cache in
 * `config` and `layers`; the older index form as its entries, the config being the one of the
 * cacheconfig media type. Undefined when the document holds no cache config (a plain image).
 */
export function cacheRootParts(document: CacheRootDocument): { config: Descriptor; layers: Descriptor[] } | undefined {
  if (document.config?.mediaType === cacheConfigMediaType) return { config: document.config, layers: document.layers ?? [] };
  const config = document.manifests?.find((m) => m.mediaType === cacheConfigMediaType);
  if (!config) return undefined;
  return { config, layers: (document.manifests ?? []).filter((m) => m !== config) };
}

export interface ImportedChainLayer {
  descriptor: Descriptor;
  diffID: Digest;
  createdAt?: string;
}

/**
 * What an importer hands the solver: for every record with a result whose blobs are all present
 * (and have their diffID annotation), the chain; and every record's input keys. A record whose
 * blobs are gone keeps its inputs and loses its result, as BuildKit's importer does.
 */
export async function importedRecords(
  config: CacheConfig,
  layers: readonly Descriptor[],
  available: (digest: Digest) => Promise<boolean> = async () => true,
): Promise<{ results: Map<Digest, ImportedChainLayer[]>; inputs: Map<Digest, Digest[]> }> {
  const byDigest = new Map(layers.map((d) => [d.digest, d]));
  const results = new Map<Digest, ImportedChainLayer[]>();
  const inputs = new Map<Digest, Digest[]>();
  for (const record of config.records) {
    inputs.set(record.digest, (record.inputs ?? []).flatMap((alternatives) => (alternatives[0] ? [config.records[alternatives[0].link]!.digest] : [])));
    const result = record.layers?.[0];
    const explicit = record.chains?.[0];
    if (!result && !explicit) continue;
    // A result is the chain ending at a layer entry, or (the inline cache) an explicit list of entries.
    const blobs = result ? chainOf(config, result.layer) : explicit!.layers.map((i) => (config.layers ?? [])[i]!.blob);
    const chain: ImportedChainLayer[] = [];
    for (const blob of blobs) {
      const descriptor = byDigest.get(blob);
      const diffID = descriptor?.annotations?.[uncompressedAnnotation];
      if (!descriptor || !diffID || !isDigest(diffID) || !(await available(blob))) break;
      const createdAt = descriptor.annotations?.[createdAtAnnotation];
      chain.push({ descriptor, diffID, ...(createdAt ? { createdAt } : {}) });
    }
    if (chain.length === blobs.length) results.set(record.digest, chain);
  }
  return { results, inputs };
}
