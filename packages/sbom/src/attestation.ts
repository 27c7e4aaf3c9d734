import { predicateTypes, type InTotoAttestation } from "@exp/solver";
import type { SpdxDocument } from "./spdx/types.js";

/** The file name BuildKit gives the SBOM of the final filesystem (frontend/attestations/sbom: CoreSBOMName + ".spdx.json"). */
export const SBOM_PATH = "sbom.spdx.json";

/**
 * The file name of a stage's SBOM when BUILDKIT_SBOM_SCAN_STAGE asks for stages too: BuildKit
 * mounts each extra under "sbom-<name>" and the scanner writes "<mount>.spdx.json".
 */
export function stageSbomPath(stage: string): string {
  return `sbom-${stage}.spdx.json`;
}

/** The SBOM as the attestation exp's exporters wrap in an in-toto statement (predicate type https://spdx.dev/Document). */
export function sbomAttestation(document: SpdxDocument, path: string = SBOM_PATH): InTotoAttestation {
  return { predicateType: predicateTypes.spdx, path, predicate: document };
}
