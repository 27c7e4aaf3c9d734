export { cacheExporter, cacheExporters, registryCacheExportKeys } from "./registry-cache-exporter.js";
export { cacheImporter, cacheImporters } from "./registry-cache-importer.js";
