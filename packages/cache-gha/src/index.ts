export { ghaCacheExporter, cacheExporter, cacheExporters } from "./gha-cache-exporter.js";
export { ghaCacheImporter, cacheImporter, cacheImporters } from "./gha-cache-importer.js";
export { parseGhaOptions, ghaKeys, type GhaCacheOptions, type GhaEnvironment } from "./options.js";
export { parseRuntimeToken, writeScope, type RuntimeToken, type TokenScope } from "./runtime-token.js";
export { blobKey, indexKey, ENTRY_VERSION, BLOB_KEY_PREFIX } from "./keys.js";
export { GhaCacheError } from "./gha-error.js";
export { defaultGhaTuning, type GhaTuning } from "./tuning.js";
