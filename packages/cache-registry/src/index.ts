export { cacheExporter, cacheExporters } from "./registry-cache-exporter.js";
export { cacheImporter, cacheImporters } from "./registry-cache-importer.js";
