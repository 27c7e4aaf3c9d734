export { parseDockerfile, type ParseOptions } from "./parse/parse-dockerfile.js";
export { expandWord, splitWords, type ExpandOptions } from "./expand/expand-word.js";
export type { VariableLookup } from "./expand/shell-lexer.js";
export { planBuild } from "./plan/plan-build.js";
export { DEFAULT_PATH_ENV } from "./plan/platform.js";
export { DockerfileError, type DockerfileErrorCode, type DockerfileErrorInit } from "./errors.js";
export type { SourceLocation } from "./source-location.js";
export type * from "./ast.js";
export type * from "./plan/types.js";
