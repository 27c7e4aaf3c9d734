// What registers vitest tests and hooks: vitest is ESM only, so these live apart from the main
// entry, which CommonJS can require (`@exp/testing/vitest` is for test files, run by vitest).
export { describeExporterConformance } from "./conformance/describe-conformance.js";
export { recordedRegistry, type RecordedRegistry } from "./conformance/recorded-registry.js";
export { describeAttrWalk } from "./attr-walk/describe-attr-walk.js";
export { imageCommitRows } from "./attr-walk/image/image-commit-rows.js";
export { cacheExportRows, layoutView, CACHE_VARIANTS, type CacheView } from "./attr-walk/cache/cache-export-rows.js";
export { expectedSkip, type ExpectedSkipOptions } from "./expected-skip.js";
