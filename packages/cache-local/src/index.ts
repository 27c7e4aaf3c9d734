export { cacheExporter, cacheExporters, localCacheExportKeys } from "./local-cache-exporter.js";
export { writeCacheManifest, type WrittenCache } from "./cache-manifest.js";
export { writeCacheDir } from "./write-cache-dir.js";
export { cacheImporter, cacheImporters } from "./local-cache-importer.js";
export { cacheExportKeys, parseCacheExportOptions, type CacheExportOptions } from "./cache-options.js";
