import { InvalidArgumentError } from "commander";
import { canonical, goBool } from "../attest/requests.js";
import { SpecError, parseCsvSpec } from "./csv.js";

const attestationTypes = ["provenance", "sbom"];

/**
 * `--provenance <value>` / `--sbom <value>`: a boolean, or attrs of that type (`mode=max`), as
 * buildx's CanonicalizeAttest (util/buildflags/attests.go) turns them into `--attest` specs.
 */
export function attestShorthand(type: "provenance" | "sbom") {
  return (value: string): string => {
    checkAttest(canonical(type, value));
    return value;
  };
}

/** `--attest type=provenance|sbom[,disabled=true][,...]` (repeatable). */
export function collectAttest(value: string, previous: string[] | undefined): string[] {
  checkAttest(value);
  return [...(previous ?? []), value];
}

/** The spec's syntax, checked as commander parses it; what its parameters ask for is checked by attestRequests. */
function checkAttest(spec: string): void {
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
  if (attrs.disabled !== undefined && goBool(attrs.disabled) === undefined) throw new InvalidArgumentError(`disabled=${JSON.stringify(attrs.disabled)}: expected true or false`);
}
