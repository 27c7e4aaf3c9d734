import { InvalidOptionError } from "@exp/errors";
import type { ExportSource, InTotoAttestation, PlatformResult } from "@exp/solver";
import type { ImageCommitOptions } from "./image-options.js";

/**
 * The attestations of a result this export writes: all of them with `attestation-inline=true` (the
 * image exporter's default), else those not marked inline-only, as BuildKit's writer.go filters
 * them with attestation.Filter on AttestationInlineOnlyKey.
 */
export function exportedAttestations(options: Pick<ImageCommitOptions, "attestationInline">, result: PlatformResult): readonly InTotoAttestation[] {
  const all = result.attestations ?? [];
  return options.attestationInline ? all : all.filter((a) => !a.inlineOnly);
}

/** An index is written for several platforms, and for one platform that has attestations to list beside its manifest. */
export function writesIndex(options: Pick<ImageCommitOptions, "attestationInline">, source: ExportSource): boolean {
  return source.multiPlatform || source.results.some((r) => exportedAttestations(options, r).length > 0);
}

/**
 * Attestations need OCI media types: BuildKit refuses them with an explicit `oci-mediatypes=false`
 * ("cannot export attestations with oci-mediatypes=false", writer.go), before writing anything.
 */
export function checkAttestationsFit(component: string, options: ImageCommitOptions, source: ExportSource): void {
  if (options.ociMediaTypes) return;
  const attested = source.results.find((r) => exportedAttestations(options, r).length > 0);
  if (!attested) return;
  throw new InvalidOptionError(component, "oci-mediatypes", "false", `true, or a build without attestations (cannot export attestations with oci-mediatypes=false; turn them off with --provenance=false and --sbom=false)`);
}
