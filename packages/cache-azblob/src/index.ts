export { azblobCacheExporter, cacheExporter, cacheExporters } from "./azblob-cache-exporter.js";
export { azblobCacheImporter, cacheImporter, cacheImporters } from "./azblob-cache-importer.js";
export { parseAzblobOptions, azblobKeys, type AzblobCacheOptions, type AzblobCredential } from "./options.js";
export { defaultTuning, type AzblobTuning } from "./azblob-client.js";
export { AzblobCacheError } from "./azblob-error.js";
export { blobName, manifestName, goJoin } from "./keys.js";
