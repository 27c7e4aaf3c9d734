import { predicateTypes, type InTotoAttestation } from "@exp/solver";
import type { JsonValue } from "./go-json.js";
import type { ProvenanceInput } from "./input.js";
import { checkProvenanceOptions, type ProvenanceOptions } from "./options.js";
import { captureProvenance, toV02, toV1 } from "./predicate.js";

/**
 * The SLSA provenance predicate BuildKit would write for this build: v0.2 (`builder`, `buildType`,
 * `materials`, `invocation`, `buildConfig`, `metadata`) or v1 (`buildDefinition`, `runDetails`),
 * with what `mode` keeps (see README). Keys are in the order Go writes them, so
 * `JSON.stringify(predicate, null, 2)` is BuildKit's provenance.json but for Go's HTML escaping,
 * which `serializeStatement` adds. Throws ProvenanceInputError for input it cannot write and
 * InvalidOptionError for an unknown mode or version.
 */
export function provenancePredicate(input: ProvenanceInput, options: ProvenanceOptions): JsonValue {
  const { mode, version } = checkProvenanceOptions(options);
  const provenance = captureProvenance(input, mode);
  return version === "v0.2" ? toV02(provenance) : toV1(provenance);
}

export interface ProvenanceAttestationOptions extends ProvenanceOptions {
  /** `filename` of `--attest type=provenance`: the statement's name in a local or tar output. Default `provenance.json`. */
  readonly filename?: string;
}

/** The predicate as the attestation a PlatformResult carries to the exporters (BuildKit's ProvenanceProcessor). */
export function provenanceAttestation(input: ProvenanceInput, options: ProvenanceAttestationOptions): InTotoAttestation {
  const { version } = checkProvenanceOptions(options);
  return {
    predicateType: version === "v0.2" ? predicateTypes.slsaProvenanceV02 : predicateTypes.slsaProvenanceV1,
    path: options.filename ?? "provenance.json",
    predicate: provenancePredicate(input, options),
  };
}
