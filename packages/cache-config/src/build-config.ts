import type { Descriptor, Digest } from "@exp/oci-spec";
import { sortConfig } from "./sort-config.js";
import type { CacheConfig, CacheLayer, CacheRecordJSON } from "./types.js";

/** Annotation names BuildKit puts on cache layer descriptors (registry and local backends). */
export const uncompressedAnnotation = "containerd.io/uncompressed";
export const createdAtAnnotation = "buildkit/createdat";

/** One layer of a result chain: its compressed blob (with the diffID annotation) and when it was made. */
export interface ChainLayer {
  descriptor: Descriptor;
  createdAt?: string;
}

/** A cache record to export: a key, the keys of its inputs, and (when its blobs exist) its result chain. */
export interface ExportRecord {
  key: Digest;
  /** For each input, the keys that can satisfy it. */
  inputs: Digest[][];
  /** The whole layer chain of the result, base first; absent when it has no transferable blobs. */
  result?: ChainLayer[];
}

export interface BuiltConfig {
  config: CacheConfig;
  /** The blobs `config.layers` names, in that order, each annotated for a cache manifest. */
  layers: Descriptor[];
}

/**
 * Builds a cache config from a record graph: chains are stored once in the layer table (a shared
 * prefix is one set of entries), records link to their inputs, and the result is sorted as BuildKit
 * sorts it. `layerAnnotations` adds the per-layer annotations the s3/gha/azblob formats carry.
 */
export function buildCacheConfig(records: readonly ExportRecord[], options: { layerAnnotations?: boolean } = {}): BuiltConfig {
  const layers: CacheLayer[] = [];
  const descriptors: Descriptor[] = [];
  const chainIndex = new Map<string, number>();
  /** Index of the table entry for the chain ending at `chain[end]`, adding entries as needed. */
  const entryFor = (chain: readonly ChainLayer[], end: number): number => {
    const id = chain
      .slice(0, end + 1)
      .map((l) => l.descriptor.digest)
      .join(">");
    const known = chainIndex.get(id);
    if (known !== undefined) return known;
    const parent = end === 0 ? -1 : entryFor(chain, end - 1);
    const layer = chain[end]!;
    const diffID = layer.descriptor.annotations?.[uncompressedAnnotation] as Digest | undefined;
    const entry: CacheLayer = { blob: layer.descriptor.digest, parent };
    if (options.layerAnnotations) {
      entry.annotations = { mediaType: layer.descriptor.mediaType, diffID: diffID ?? layer.descriptor.digest, size: layer.descriptor.size, createdAt: layer.createdAt ?? "0001-01-01T00:00:00Z" };
    }
    layers.push(entry);
    descriptors.push({
      mediaType: layer.descriptor.mediaType,
      digest: layer.descriptor.digest,
      size: layer.descriptor.size,
      annotations: { ...(diffID ? { [uncompressedAnnotation]: diffID } : {}), ...(layer.createdAt ? { [createdAtAnnotation]: layer.createdAt } : {}) },
    });
    chainIndex.set(id, layers.length - 1);
    return layers.length - 1;
  };

  const recordIndex = new Map(records.map((r, i) => [r.key, i]));
  const jsonRecords: CacheRecordJSON[] = records.map((record) => {
    const out: CacheRecordJSON = { digest: record.key };
    const inputs = record.inputs.map((alternatives) => alternatives.filter((k) => recordIndex.has(k)).map((k) => ({ link: recordIndex.get(k)! })));
    if (inputs.length > 0) out.inputs = inputs;
    if (record.result && record.result.length > 0) {
      const top = record.result.at(-1)!;
      out.layers = [{ layer: entryFor(record.result, record.result.length - 1), ...(top.createdAt ? { createdAt: top.createdAt } : {}) }];
    }
    return out;
  });
  const unsorted: CacheConfig = { ...(layers.length > 0 ? { layers } : {}), records: jsonRecords };
  const sorted = sortConfig(unsorted);
  // A blob's descriptor does not depend on which chain it sits in, so the sorted table maps back by blob.
  const byBlob = new Map(descriptors.map((d) => [d.digest, d]));
  return { config: sorted, layers: (sorted.layers ?? []).map((layer) => byBlob.get(layer.blob)!) };
}
