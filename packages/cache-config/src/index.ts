export type { CacheConfig, CacheLayer, CacheLayerAnnotations, CacheRecordJSON, CacheInputJSON, CacheResultJSON, CacheChainJSON } from "./types.js";
export { sortConfig, parentOf } from "./sort-config.js";
export { buildCacheConfig, uncompressedAnnotation, createdAtAnnotation, type ChainLayer, type ExportRecord, type BuiltConfig } from "./build-config.js";
export { parseCacheConfig, chainOf, maxCacheConfigBytes, InvalidCacheConfigError } from "./parse-config.js";
export { cacheConfigMediaType } from "./media-type.js";
export { cacheRootParts, importedRecords, type CacheRootDocument, type ImportedChainLayer } from "./read-cache.js";
export { inlineCacheConfig, inlineCacheField } from "./inline.js";
export { parseCacheRoot, checkCacheConfigSize, InvalidCacheManifestError, CacheBlobMissingError } from "./read-root.js";
export { annotatedLayers, combineAnnotatedConfigs } from "./annotated-configs.js";
