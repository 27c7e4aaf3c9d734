export { cacheExporter, cacheExporters } from "./inline-cache-exporter.js";
export { inlineCacheValue } from "./inline-records.js";
