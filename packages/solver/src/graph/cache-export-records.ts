import type { Descriptor, Digest } from "@exp/oci-spec";
import type { CacheExportContext, CacheMode } from "../exporter/cache-exporter.js";
import type { ExportSource } from "../exporter/source.js";
import type { CompressionRequest } from "../layers/compression.js";
import type { Layer } from "../layers/layer.js";
import type { LayerBlob } from "../layers/layer-blob.js";
import { storedLayer } from "../layers/stored-layer.js";
import { CacheRecords } from "./cache-records.js";
import { cacheGraph, type CacheGraphNode, type ChainEntry } from "./cache-graph.js";

/** A record ready for @exp/cache-config's buildCacheConfig (the same shape). */
export interface CacheExportRecord {
  key: Digest;
  inputs: Digest[][];
  result?: Array<{ descriptor: Descriptor; createdAt?: string }>;
}

/**
 * The records a cache exporter exports, with the blobs of their results, BuildKit's way: the
 * build's final records always get their result (blobs made if needed); in mode=min the others get
 * one only when every blob of their chain already exists (what the image exporters just made, base
 * layers), in mode=max every blob is made. A record whose blobs cannot be had keeps the record and
 * drops the result. Every blob used is added to `lease`.
 */
export async function collectCacheExportRecords(
  source: ExportSource,
  ctx: CacheExportContext,
  options: { mode: CacheMode; compression: CompressionRequest; lease: string; allowRemote?: boolean },
): Promise<CacheExportRecord[]> {
  const tops = source.results.map((r) => r.cacheKey).filter((k): k is Digest => k !== undefined);
  const nodes = await cacheGraph(new CacheRecords(ctx.store), tops, { signal: ctx.signal });
  const layers = new Map<Digest, Layer>();
  for (const result of source.results) for (const layer of result.ref.layers) layers.set(layer.diffID, layer);
  const layerOf = (entry: ChainEntry): Layer | undefined =>
    layers.get(entry.diffID) ?? source.knownLayer?.(entry.diffID) ?? (entry.known ? undefined : storedLayer(ctx.store, { diffID: entry.diffID, size: entry.size ?? 0, ...(entry.createdAt ? { createdAt: new Date(entry.createdAt) } : {}) }));
  const blobFor = async (entry: ChainEntry, create: boolean): Promise<LayerBlob | undefined> => {
    const layer = layerOf(entry);
    const call = { lease: options.lease, signal: ctx.signal, progress: ctx.progress, ...(options.allowRemote ? { allowRemote: true } : {}) };
    if (!layer) return entry.known && options.allowRemote ? { descriptor: entry.known, diffID: entry.diffID, compression: "gzip", local: false } : undefined;
    if (create) return ctx.blobs.get(layer, options.compression, call);
    const existing = await ctx.blobs.existing(layer, call);
    if (!existing || existing.local || options.allowRemote) return existing;
    // Known elsewhere (a base image, an imported cache): it exists, so mode=min exports it; this
    // backend needs the bytes, so fetch them once into the store.
    if (!layer.fetchBlob) return undefined;
    await layer.fetchBlob({ signal: ctx.signal, lease: options.lease });
    return { ...existing, local: true };
  };
  const topSet = new Set(tops);
  return Promise.all(
    nodes.map(async (node: CacheGraphNode): Promise<CacheExportRecord> => {
      const create = options.mode === "max" || topSet.has(node.key);
      const blobs = await Promise.all(node.chain.map((entry) => blobFor(entry, create)));
      const complete = node.chain.length > 0 && blobs.every((b) => b !== undefined);
      return {
        key: node.key,
        inputs: node.inputs.map((k) => [k]),
        ...(complete
          ? {
              result: blobs.map((blob, i) => ({
                descriptor: { ...blob!.descriptor, annotations: { ...blob!.descriptor.annotations, "containerd.io/uncompressed": node.chain[i]!.diffID } },
                ...(node.chain[i]!.createdAt ? { createdAt: node.chain[i]!.createdAt } : {}),
              })),
            }
          : {}),
      };
    }),
  );
}
