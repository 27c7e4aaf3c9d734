/**
 * An in-toto attestation of one platform's result, before its subject is known. As BuildKit's
 * result.Attestation of kind InToto (solver/result/attestation.go): the front end or the build
 * makes the predicate; the exporter wraps it in a statement whose subject is what it wrote (an
 * image manifest's digest, or the files of a local or tar output), since only it knows that.
 */
export interface InTotoAttestation {
  /** e.g. `https://slsa.dev/provenance/v0.2`, `https://slsa.dev/provenance/v1`, `https://spdx.dev/Document`. */
  readonly predicateType: string;
  /**
   * The file name the statement gets in a local or tar output (BuildKit's `Path`: `provenance.json`,
   * `sbom.spdx.json`), behind the exporter's `attestation-prefix`.
   */
  readonly path: string;
  /** The predicate as a JSON value; it must survive `JSON.stringify` unchanged. */
  readonly predicate: unknown;
  /**
   * Written only by exporters that put attestations inside the image (`type=image`/`registry`,
   * and others with `attestation-inline=true`); skipped by oci, docker, local and tar. BuildKit's
   * `inline-only` attestation attribute (solver/result/attestation.go AttestationInlineOnlyKey).
   */
  readonly inlineOnly?: boolean;
}

/** The predicate types exp writes, as BuildKit names them (its attestation and provenance types packages). */
export const predicateTypes = {
  slsaProvenanceV02: "https://slsa.dev/provenance/v0.2",
  slsaProvenanceV1: "https://slsa.dev/provenance/v1",
  spdx: "https://spdx.dev/Document",
} as const;

/** What a statement is about: a name and its digests (in-toto's ResourceDescriptor, as BuildKit fills it). */
export interface InTotoSubject {
  readonly name: string;
  readonly digest: Readonly<Record<string, string>>;
}

/** An in-toto statement, v1 (`https://in-toto.io/Statement/v1`), the version BuildKit writes. */
export interface InTotoStatement {
  readonly _type: "https://in-toto.io/Statement/v1";
  readonly predicateType: string;
  readonly subject: readonly InTotoSubject[];
  readonly predicate: unknown;
}

/**
 * The statement an exporter writes for an attestation, as BuildKit's MakeInTotoStatements
 * (exporter/attestation/make.go) does for a subject of kind "self": the exporter's subjects (an
 * image manifest named by each of the image's names, or the files of a local output) with the
 * predicate as it is, field order `_type`, `predicateType`, `subject`, `predicate`.
 */
export function inTotoStatement(attestation: InTotoAttestation, subjects: readonly InTotoSubject[]): InTotoStatement {
  return { _type: "https://in-toto.io/Statement/v1", predicateType: attestation.predicateType, subject: subjects, predicate: attestation.predicate };
}
