export { runCli, version } from "./cli.js";
export type { CliIO, OutputStream } from "./io.js";
export { defaultStoreRoot } from "./io.js";
export { parseCsvSpec, splitCsvFields, SpecError } from "./spec/csv.js";
export { parseOutputSpec, parseCacheSpec, planOutputs, builtinOutputTypes, imageLikeTypes, type Spec, type OutputPlanInput } from "./spec/output.js";
export { UnknownTypeError, checkSpecType, builtinCacheTypes, type SpecFlag } from "./spec/spec-type.js";
export {
  resolveExporter,
  resolveCacheExporter,
  resolveCacheImporter,
  builtinExporterPackages,
  builtinCachePackages,
  ExporterNotFoundError,
  CacheBackendNotFoundError,
  InvalidPluginError,
  type CacheImporter,
  type ResolveOptions,
} from "./plugins/resolve.js";
export { PluginLoadError } from "./plugins/load-module.js";
export { buildMetadata } from "./metadata.js";
export { chromeTrace, type ChromeTrace, type ChromeTraceEvent, type TraceInput } from "./trace.js";
export { PlainPrinter, TtyPrinter, RawJsonPrinter, createPrinter, type ProgressMode, type ProgressPrinter } from "./progress/index.js";
export { formatError, UsageError } from "./errors.js";
export { checkOutputConflicts, InvalidFileFlagError, OutputConflictError, type WriteTargets } from "./spec/conflicts.js";
export { refuseTerminalStdout, TerminalStdoutError } from "./spec/terminal-stdout.js";
