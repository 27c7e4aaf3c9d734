import type { Digest } from "@exp/oci-spec";

/**
 * BuildKit's cache config, `application/vnd.buildkit.cacheconfig.v0` (cache/remotecache/v1 in
 * BuildKit). Field names are the JSON names. `layers` is a table of blobs, each pointing at its
 * parent, so an entry stands for the whole chain that ends at it; `records` are cache keys with
 * their inputs and results.
 */
export interface CacheConfig {
  layers?: CacheLayer[];
  records: CacheRecordJSON[];
}

export interface CacheLayer {
  blob: Digest;
  /**
   * Index of the parent layer, -1 for a base layer. BuildKit writes it with Go's `omitempty`, so a
   * parent of 0 is absent from the JSON: readers must read a missing parent as 0, not -1.
   */
  parent?: number;
  /** Only the s3, gha and azblob backends write these (registry and local put them on the manifest). */
  annotations?: CacheLayerAnnotations;
}

export interface CacheLayerAnnotations {
  mediaType: string;
  diffID: Digest;
  size: number;
  /** RFC 3339; the zero time when unknown, as BuildKit writes it. */
  createdAt: string;
}

export interface CacheRecordJSON {
  /** The cache key. */
  digest: Digest;
  /** `inputs[i]` lists the records that can satisfy input i. */
  inputs?: CacheInputJSON[][];
  /** Results: each names a `layers` entry, meaning the chain that ends there. The JSON name is `layers`. */
  layers?: CacheResultJSON[];
  /** Results given as explicit layer lists (the inline cache, when they are not a prefix of the image's layers). */
  chains?: CacheChainJSON[];
}

export interface CacheInputJSON {
  selector?: string;
  /** Index into `records`. */
  link: number;
}

export interface CacheResultJSON {
  layer: number;
  createdAt?: string;
}

export interface CacheChainJSON {
  layers: number[];
  createdAt?: string;
}
