import { InvalidArgumentError } from "commander";
import { UsageError } from "../errors.js";
import { SpecError, parseCsvSpec } from "./csv.js";

/**
 * Attestations (SLSA provenance, SBOMs) are not made yet. Pipelines pass `--provenance=false`,
 * `--sbom=false` or `--attest type=...,disabled=true` to turn them off, and those are accepted;
 * asking for one would otherwise build an image without the attestation it asked for.
 */
export class AttestationUnsupportedError extends UsageError {
  constructor(flag: string, value: string) {
    super(`${flag} ${JSON.stringify(value)}: attestations (provenance, SBOM) are not supported yet; pass ${flag === "--attest" ? "disabled=true" : "false"} or leave the flag out`, "ERR_ATTESTATION_UNSUPPORTED");
  }
}

const attestationTypes = ["provenance", "sbom"];

/**
 * `--provenance <value>` / `--sbom <value>`: a boolean, or attrs of that type (`mode=max`), as
 * buildx's CanonicalizeAttest (util/buildflags/attests.go) turns them into `--attest` specs.
 */
export function attestShorthand(type: "provenance" | "sbom") {
  return (value: string): string => {
    const bool = goBool(value);
    const spec = bool === undefined ? `type=${type},${value}` : `type=${type},disabled=${!bool}`;
    checkAttest(`--${type}`, value, spec);
    return value;
  };
}

/** `--attest type=provenance|sbom[,disabled=true][,...]` (repeatable). */
export function collectAttest(value: string, previous: string[] | undefined): string[] {
  checkAttest("--attest", value, value);
  return [...(previous ?? []), value];
}

function checkAttest(flag: string, value: string, spec: string): void {
  let attrs: Record<string, string>;
  try {
    attrs = parseCsvSpec(spec);
  } catch (error) {
    if (error instanceof SpecError) throw new InvalidArgumentError(error.message);
    throw error;
  }
  const type = attrs.type;
  if (type === undefined || type === "") throw new InvalidArgumentError("attestation type not specified (type=provenance or type=sbom)");
  if (!attestationTypes.includes(type)) throw new InvalidArgumentError(`unknown attestation type ${JSON.stringify(type)} (type=provenance or type=sbom)`);
  const disabled = attrs.disabled === undefined ? false : goBool(attrs.disabled);
  if (disabled === undefined) throw new InvalidArgumentError(`disabled=${JSON.stringify(attrs.disabled)}: expected true or false`);
  if (!disabled) throw new AttestationUnsupportedError(flag, value);
}

/** Go's strconv.ParseBool, which buildx uses for these values. */
function goBool(value: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}
