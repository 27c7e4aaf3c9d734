export { runExport, type RunExportOptions, type ExportOutcome } from "./run-export.js";
export { Timeline, type TimelineEntry, type PhaseName } from "./timeline.js";
export { mergeResponses } from "./merge-response.js";
