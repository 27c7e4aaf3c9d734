export { cacheExporter, cacheExporters, inlineCacheExportKeys } from "./inline-cache-exporter.js";
export { inlineCacheValue } from "./inline-records.js";
