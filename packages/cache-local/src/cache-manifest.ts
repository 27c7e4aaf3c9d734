import { buildCacheConfig, cacheConfigMediaType, maxCacheConfigBytes, type ExportRecord } from "@exp/cache-config";
import { ExpError } from "@exp/errors";
import { DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, UnsupportedMediaTypeError, convertLayerMediaType, type Descriptor } from "@exp/oci-spec";
import type { ContentStore } from "@exp/content";

export interface WrittenCache {
  /** The root: an OCI manifest (image-manifest=true) or an index, or a Docker manifest list (false). */
  root: Descriptor;
  /** Everything the root references: layer blobs and the config. */
  blobs: Descriptor[];
}

/**
 * Writes BuildKit's registry/local cache shape into the store: with `imageManifest` (BuildKit's
 * default since v0.21) an OCI image manifest whose config is the cache config; without it, an
 * index whose last entry is the config and whose other entries are the layer blobs. Undefined when
 * no record has a result: BuildKit exports nothing for an empty cache.
 *
 * With `ociMediaTypes: false` (only possible without `imageManifest`) the index is a Docker
 * manifest list and the layer entries carry Docker layer media types; the config keeps the
 * cacheconfig type (`NewExportableCache` and `FinalizeCache` in cache/remotecache/export.go).
 */
export async function writeCacheManifest(
  store: ContentStore,
  records: ExportRecord[],
  options: { imageManifest: boolean; ociMediaTypes: boolean; lease: string; signal: AbortSignal },
): Promise<WrittenCache | undefined> {
  const built = buildCacheConfig(records);
  const { config } = built;
  if (built.layers.length === 0) return undefined;
  const layers = built.layers.map((layer) => ({ ...layer, mediaType: cacheLayerMediaType(layer.mediaType, options.ociMediaTypes) }));
  const configBytes = JSON.stringify(config);
  // BuildKit reads a cache config with a 1 MiB limit: a larger one would be a cache nobody can import.
  if (Buffer.byteLength(configBytes) > maxCacheConfigBytes) {
    throw new ExpError("ERR_CACHE_TOO_LARGE", `the cache config is ${Buffer.byteLength(configBytes)} bytes, over the ${maxCacheConfigBytes} bytes BuildKit can import; export with mode=min or split the build`);
  }
  const written = await store.writeBlob(configBytes, { lease: options.lease, signal: options.signal });
  const configDescriptor: Descriptor = { mediaType: cacheConfigMediaType, digest: written.digest, size: written.size };
  const root = options.imageManifest
    ? { schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: configDescriptor, layers }
    : { schemaVersion: 2, mediaType: options.ociMediaTypes ? OCI_IMAGE_INDEX : DOCKER_MANIFEST_LIST, manifests: [...layers, configDescriptor] };
  const rootBytes = JSON.stringify(root);
  const rootWritten = await store.writeBlob(rootBytes, { lease: options.lease, mediaType: root.mediaType, signal: options.signal });
  return { root: { mediaType: root.mediaType, digest: rootWritten.digest, size: rootWritten.size }, blobs: [...layers, configDescriptor] };
}

/**
 * A layer's type in the requested family. A type with no spelling there (OCI non-distributable
 * zstd in Docker's) is kept as it is, as BuildKit's `convertLayerMediaType`
 * (util/compression/compression.go) keeps an unhandled type with a warning.
 */
function cacheLayerMediaType(mediaType: string, oci: boolean): string {
  try {
    return convertLayerMediaType(mediaType, { oci });
  } catch (error) {
    if (error instanceof UnsupportedMediaTypeError) return mediaType;
    throw error;
  }
}
