import { InvalidOptionError } from "@exp/errors";

/**
 * `mode` of `--attest type=provenance`: `min` records the frontend, the materials and the times
 * and drops build args, labels, secrets and SSH ids; `max` adds them plus the build steps, the
 * Dockerfile and its source map, and the layers of each step. buildx asks for `min` unless told
 * otherwise (BuildKit's own default, when no mode is sent, is `max`).
 */
export type ProvenanceMode = "min" | "max";

/** `version` of `--attest type=provenance`: the SLSA provenance predicate to write. */
export type ProvenanceVersion = "v0.2" | "v1";

export interface ProvenanceOptions {
  readonly mode: ProvenanceMode;
  readonly version: ProvenanceVersion;
}

const modes: readonly string[] = ["min", "max"];
const versions: readonly string[] = ["v0.2", "v1"];

/**
 * Checks options that may come from untyped callers (a CLI spec, JSON). BuildKit also accepts
 * `mode=full` as `max` (NewProvenanceCreator); so do we.
 */
export function checkProvenanceOptions(options: { readonly mode: string; readonly version: string }): ProvenanceOptions {
  const mode = options.mode === "full" ? "max" : options.mode;
  if (!modes.includes(mode)) throw new InvalidOptionError("provenance", "mode", options.mode, '"min" or "max"');
  if (!versions.includes(options.version)) throw new InvalidOptionError("provenance", "version", options.version, '"v0.2" or "v1"');
  return { mode: mode as ProvenanceMode, version: options.version as ProvenanceVersion };
}
