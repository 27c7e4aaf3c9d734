export { scanFilesystem, scanLayers, catalogerNames, type ScanOptions, type ScanResult, type CatalogerName } from "./scan.js";
export { contentStoreScanCache, scanCacheKey, type CachedScan, type ScanCache } from "./cache/scan-cache.js";
export { sbomAttestation, stageSbomPath, SBOM_PATH } from "./attestation.js";
export { SbomOptionError, SbomReadError } from "./errors.js";
export type { ScanWarning } from "./model.js";
export { LICENSE_LIST_VERSION } from "./license/license-ids.js";
export type {
  SpdxDocument,
  SpdxCreationInfo,
  SpdxPackage,
  SpdxFile,
  SpdxChecksum,
  SpdxChecksumAlgorithm,
  SpdxExternalRef,
  SpdxExtractedLicense,
  SpdxRelationship,
  SpdxRelationshipType,
  SpdxPrimaryPackagePurpose,
} from "./spdx/types.js";
