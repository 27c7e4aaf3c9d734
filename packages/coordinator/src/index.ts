export { runExport, type RunExportOptions, type ExportOutcome } from "./run-export.js";
export type { TimelineEntry, PhaseName } from "./timeline.js";
export { mergeResponses } from "./merge-response.js";
