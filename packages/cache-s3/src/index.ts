export { cacheExporter, cacheExporters } from "./s3-cache-exporter.js";
export { cacheImporter, cacheImporters } from "./s3-cache-importer.js";
export { parseS3Options, parseDuration, s3Keys, type S3CacheOptions } from "./options.js";
export { S3CacheError } from "./s3-client.js";
