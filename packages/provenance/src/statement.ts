import { inTotoStatement as solverStatement, type InTotoAttestation, type InTotoStatement } from "@exp/solver";
import { ProvenanceInputError } from "./errors.js";
import { goJSON } from "./go-json.js";

/**
 * What BuildKit writes as `_type`: exporter/attestation/make.go uses in-toto-golang's
 * StatementInTotoV1 (in-toto-golang v0.11, attestation v1.2), for every predicate type, v0.2
 * provenance included.
 */
export const inTotoStatementType = "https://in-toto.io/Statement/v1";

/** An attested artifact: an image manifest (named by its purl) or a file of a local or tar output (by its path). */
export interface Subject {
  readonly name: string;
  readonly digest: { readonly sha256: string };
}

/**
 * The statement an exporter writes for an attestation about what it exported (BuildKit's
 * makeInTotoStatement with the exporter's default subjects): `_type`, `predicateType`, `subject`,
 * `predicate`, in that order. The shape is @exp/solver's inTotoStatement (one definition for every
 * exporter); this adds the checks a statement needs before it is signed or pushed: each subject
 * named, with a sha256 of 64 lowercase hex digits. Subjects keep the caller's order.
 */
export function inTotoStatement(attestation: InTotoAttestation, subjects: readonly Subject[]): InTotoStatement {
  if (typeof attestation?.predicateType !== "string" || attestation.predicateType === "") throw new ProvenanceInputError("attestation.predicateType", "expected a non-empty string");
  if (!Array.isArray(subjects)) throw new ProvenanceInputError("subjects", "expected an array");
  const checked = subjects.map((subject, i) => {
    if (typeof subject?.name !== "string" || subject.name === "") throw new ProvenanceInputError(`subjects[${i}].name`, "expected a non-empty string");
    const sha256 = subject.digest?.sha256;
    if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) throw new ProvenanceInputError(`subjects[${i}].digest.sha256`, "expected 64 lowercase hex digits");
    // Only name and digest: a subject object that carries more (a path on disk) does not leak it.
    return { name: subject.name, digest: { sha256 } };
  });
  return solverStatement(attestation, checked);
}

/**
 * The statement's bytes as BuildKit writes them: compact (json.Marshal) in an image's attestation
 * manifest, indented by two spaces (json.MarshalIndent) as a file of a local or tar output.
 */
export function serializeStatement(statement: InTotoStatement, options: { readonly indent?: string } = {}): string {
  return goJSON(statement, options.indent);
}
