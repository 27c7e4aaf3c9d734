import { UsageError } from "../errors.js";
import { parseCsvSpec } from "../spec/csv.js";

/** `--attest type=provenance,...` as exp makes it (BuildKit's attest:provenance parameters). */
export interface ProvenanceRequest {
  readonly mode: "min" | "max";
  readonly version: "v0.2" | "v1";
  readonly builderId?: string;
  /** The statement's file name in local and tar outputs. */
  readonly filename: string;
  readonly reproducible: boolean;
  /** Only image exporters (and those with attestation-inline=true) write it. */
  readonly inlineOnly: boolean;
}

/**
 * `--attest type=sbom,...`: an SPDX SBOM of the final filesystem, scanned in process by @exp/sbom,
 * and of the stages and context BUILDKIT_SBOM_SCAN_STAGE / _CONTEXT select. `scan-stage` and
 * `scan-context` take those args' values (true, false or stage names) and decide over them.
 */
export interface SbomRequest {
  readonly kind: "sbom";
  readonly scanStage?: string;
  readonly scanContext?: string;
}

export interface AttestRequests {
  readonly provenance?: ProvenanceRequest;
  readonly sbom?: SbomRequest;
}

/** What the build command collected: `--attest` values in order, and the two shorthands. */
export interface AttestFlags {
  readonly attest?: readonly string[];
  readonly provenance?: string;
  readonly sbom?: string;
}

const provenanceKeys = ["mode", "version", "builder-id", "filename", "reproducible", "inline-only"];

/**
 * The attestations a build makes, as buildx and BuildKit decide them:
 * - `--provenance <v>` and `--sbom <v>` are buildx's CanonicalizeAttest shorthands, appended after
 *   the `--attest` values; a later spec of a type replaces an earlier one (removeAttestDupes);
 * - without any provenance spec, buildx asks for `mode=min,inline-only=true` (build/opt.go), unless
 *   BUILDX_NO_DEFAULT_ATTESTATIONS is true; exp reads the same variable;
 * - a given spec without `mode` is BuildKit's default, `max`; without `version`, BuildKit's `v1`
 *   (frontend/attestations/parse.go).
 * A parameter exp does not act on is refused, never ignored.
 */
export function attestRequests(flags: AttestFlags, env: Readonly<Record<string, string | undefined>>): AttestRequests {
  const specs = [...(flags.attest ?? [])];
  if (flags.provenance) specs.push(canonical("provenance", flags.provenance));
  if (flags.sbom) specs.push(canonical("sbom", flags.sbom));
  const byType = new Map<string, Record<string, string>>();
  for (const spec of specs) {
    const attrs = parseCsvSpec(spec);
    byType.set(attrs.type ?? "", attrs);
  }
  const requests: { provenance?: ProvenanceRequest; sbom?: SbomRequest } = {};
  const provenance = byType.get("provenance");
  if (provenance === undefined) {
    if (!noDefaultAttestations(env)) requests.provenance = provenanceRequest({ type: "provenance", mode: "min", "inline-only": "true" });
  } else if (!isDisabled(provenance)) requests.provenance = provenanceRequest(provenance);
  const sbom = byType.get("sbom");
  if (sbom !== undefined && !isDisabled(sbom)) requests.sbom = sbomRequest(sbom);
  return requests;
}

/** buildx's CanonicalizeAttest: a Go bool turns the type on or off, anything else is its parameters. */
export function canonical(type: string, value: string): string {
  const bool = goBool(value);
  return bool === undefined ? `type=${type},${value}` : `type=${type},disabled=${!bool}`;
}

function isDisabled(attrs: Record<string, string>): boolean {
  return attrs.disabled !== undefined && goBool(attrs.disabled) === true;
}

function noDefaultAttestations(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.BUILDX_NO_DEFAULT_ATTESTATIONS;
  if (value === undefined || value === "") return false;
  const bool = goBool(value);
  if (bool === undefined) throw new UsageError(`BUILDX_NO_DEFAULT_ATTESTATIONS=${JSON.stringify(value)}: expected true or false (as buildx reads it)`);
  return bool;
}

function provenanceRequest(attrs: Record<string, string>): ProvenanceRequest {
  for (const key of Object.keys(attrs)) {
    if (key !== "type" && key !== "disabled" && !provenanceKeys.includes(key)) {
      throw new UsageError(`--attest type=provenance: unknown parameter ${JSON.stringify(key)}; the parameters are ${provenanceKeys.join(", ")}`);
    }
  }
  const mode = attrs.mode ?? "max";
  if (!["min", "max", "full"].includes(mode)) throw new UsageError(`--attest type=provenance,mode=${mode}: expected min or max`);
  const version = attrs.version ?? "v1";
  if (version !== "v0.2" && version !== "v1") throw new UsageError(`--attest type=provenance,version=${version}: expected v0.2 or v1`);
  const filename = attrs.filename ?? "provenance.json";
  if (filename === "" || filename.includes("/")) throw new UsageError(`--attest type=provenance,filename=${filename}: expected a file name without "/"`);
  return {
    mode: mode === "min" ? "min" : "max",
    version,
    ...(attrs["builder-id"] ? { builderId: attrs["builder-id"] } : {}),
    filename,
    reproducible: boolParam(attrs, "reproducible"),
    inlineOnly: boolParam(attrs, "inline-only"),
  };
}

function sbomRequest(attrs: Record<string, string>): SbomRequest {
  for (const key of Object.keys(attrs)) {
    if (key === "type" || key === "disabled") continue;
    if (key === "generator") {
      throw new UsageError(`--attest type=sbom,generator=${attrs.generator}: exp runs no scanner images; it scans the filesystem in process (@exp/sbom), so leave generator out`);
    }
    if (key === "scan-stage" || key === "scan-context") continue;
    throw new UsageError(`--attest type=sbom: unknown parameter ${JSON.stringify(key)}; the parameters are scan-stage and scan-context (true, false or stage names)`);
  }
  return {
    kind: "sbom",
    ...(attrs["scan-stage"] === undefined ? {} : { scanStage: attrs["scan-stage"] }),
    ...(attrs["scan-context"] === undefined ? {} : { scanContext: attrs["scan-context"] }),
  };
}

function boolParam(attrs: Record<string, string>, key: string): boolean {
  const value = attrs[key];
  if (value === undefined) return false;
  const bool = goBool(value);
  if (bool === undefined) throw new UsageError(`--attest type=${attrs.type},${key}=${value}: expected true or false`);
  return bool;
}

/** Go's strconv.ParseBool, which buildx uses for these values. */
export function goBool(value: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

/** The request's scan-stage / scan-context as @exp/dockerfile's override of the BUILDKIT_SBOM_SCAN_* args. */
export function sbomScanOverride(request: SbomRequest): { stage?: string; context?: string } {
  return { ...(request.scanStage === undefined ? {} : { stage: request.scanStage }), ...(request.scanContext === undefined ? {} : { context: request.scanContext }) };
}
