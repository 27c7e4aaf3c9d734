import type { Descriptor, Digest } from "@exp/oci-spec";
import { createdAtAnnotation, uncompressedAnnotation } from "./build-config.js";
import { parseCacheConfig } from "./parse-config.js";
import type { CacheConfig, CacheRecordJSON } from "./types.js";

/** The image config field BuildKit's inline cache lives in. */
export const inlineCacheField = "moby.buildkit.cache.v0";

/**
 * Reads an image's inline cache back as a cache config, as BuildKit's importer does: the records
 * from the config field (base64 of a JSON array), and a layer table rebuilt from the image itself
 * (entry i is the image's layer i, its parent i-1; diffIDs from rootfs). Undefined when the image
 * has none, or when its layers and diffIDs disagree (BuildKit ignores such images).
 */
export function inlineCacheConfig(imageConfig: Record<string, unknown>, manifestLayers: readonly Descriptor[]): { config: CacheConfig; layers: Descriptor[] } | undefined {
  const value = imageConfig[inlineCacheField];
  const diffIDs = (imageConfig.rootfs as { diff_ids?: Digest[] } | undefined)?.diff_ids ?? [];
  if (typeof value !== "string" || diffIDs.length !== manifestLayers.length) return undefined;
  const records = JSON.parse(Buffer.from(value, "base64").toString("utf8")) as CacheRecordJSON[];
  const config = parseCacheConfig(
    JSON.stringify({ layers: manifestLayers.map((l, i) => ({ blob: l.digest, ...(i === 1 ? {} : { parent: i - 1 }) })), records }),
  );
  // Creation times come from the history entries that made a layer, as BuildKit's importer takes them.
  const history = ((imageConfig.history as Array<{ created?: string; empty_layer?: boolean }> | undefined) ?? []).filter((h) => !h.empty_layer);
  const layers = manifestLayers.map((l, i) => ({
    ...l,
    annotations: { ...l.annotations, [uncompressedAnnotation]: diffIDs[i]!, ...(history[i]?.created ? { [createdAtAnnotation]: history[i]!.created! } : {}) },
  }));
  return { config, layers };
}
