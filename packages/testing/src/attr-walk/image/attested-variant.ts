/**
 * The "attested" variant of the image option-table walks: the build's result carries these two
 * attestations, one marked inline-only (as `--attest type=provenance,inline-only=true` marks it),
 * so `oci-artifact` and `attestation-inline` have something to change. Typed structurally, so
 * @exp/testing needs no dependency on @exp/solver.
 */
export const walkAttestations = [
  { predicateType: "https://spdx.dev/Document", path: "sbom.spdx.json", predicate: { spdxVersion: "SPDX-2.3", name: "walk" } },
  { predicateType: "https://slsa.dev/provenance/v0.2", path: "provenance.json", predicate: { buildType: "https://mobyproject.org/buildkit@v1" }, inlineOnly: true },
] as const;

/** A built source with `walkAttestations` on every result. */
export function attested<S extends { results: readonly object[] }>(source: S): S {
  return { ...source, results: source.results.map((r) => ({ ...r, attestations: walkAttestations })) };
}
