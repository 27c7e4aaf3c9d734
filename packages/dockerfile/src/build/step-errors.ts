import { lstat } from "node:fs/promises";
import { basename, join } from "node:path";
import { AbortedError, ExpError } from "@exp/errors";
import { createIgnoreMatcher, failedNodeOf, type FsNode } from "@exp/solver";
import { DockerfileError } from "../errors.js";
import type { SourceLocation } from "../source-location.js";

/** Where in the Dockerfile each build step comes from, and what its COPY sources were read with. */
export interface StepOrigins {
  file: string;
  locations: Map<FsNode, SourceLocation>;
  /** Nodes of COPYs from the build context, whose missing sources may have been .dockerignore'd. */
  fromContext: Set<FsNode>;
  context: string;
  ignoreFile?: { path: string; patterns: Array<{ pattern: string; line: number }> };
}

/**
 * Gives an error of a build step the `Dockerfile:line:column: ` of the instruction it came from,
 * as every error about a Dockerfile reads, and, for a COPY source that is in the context but
 * left out by the ignore file, the line that excluded it. The error keeps its class, code and
 * fields; only its message gains the location. Errors with a location already, and aborts, pass.
 */
export async function locateStepError(error: unknown, origins: StepOrigins): Promise<unknown> {
  if (!(error instanceof ExpError) || error instanceof DockerfileError || error instanceof AbortedError) return error;
  const node = failedNodeOf(error);
  const location = node ? origins.locations.get(node) : undefined;
  if (!node || !location || Object.hasOwn(error, "dockerfileLocation")) return error;
  const excluded = origins.fromContext.has(node) ? await ignoredSourceDetail(error, origins) : "";
  error.message = `${origins.file}:${location.line}:${location.column}: ${error.message}${excluded}`;
  Object.defineProperty(error, "dockerfileLocation", { value: { file: origins.file, ...location }, enumerable: false });
  return error;
}

/** " (excluded by .dockerignore line 3: *.txt)" when a missing COPY source is in the context but ignored. */
async function ignoredSourceDetail(error: ExpError, origins: StepOrigins): Promise<string> {
  const source = (error as ExpError & { source?: unknown }).source;
  if (error.code !== "ERR_COPY_SOURCE_NOT_FOUND" || typeof source !== "string" || !origins.ignoreFile) return "";
  const rel = source.replace(/^\/+/, "").replace(/\/+$/, "");
  if (rel === "" || !(await lstat(join(origins.context, rel)).catch(() => undefined))) return "";
  const { path, patterns } = origins.ignoreFile;
  const index = createIgnoreMatcher(patterns.map((p) => p.pattern)).excludedBy(rel);
  if (index === undefined) return "";
  const { pattern, line } = patterns[index]!;
  return ` (it is in the build context, but excluded by ${basename(path)} line ${line}: ${pattern})`;
}
