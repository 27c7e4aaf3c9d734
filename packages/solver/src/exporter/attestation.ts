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
}

/** The predicate types exp writes, as BuildKit names them (its attestation and provenance types packages). */
export const predicateTypes = {
  slsaProvenanceV02: "https://slsa.dev/provenance/v0.2",
  slsaProvenanceV1: "https://slsa.dev/provenance/v1",
  spdx: "https://spdx.dev/Document",
} as const;
