export { conformanceChecks, runConformance, type ConformanceCheck } from "./checks.js";
export { conformanceFiles, conformanceSetup, verifyConformanceFiles, writeConformanceContext, type ConformanceSetupDeps } from "./fixture.js";
export { registryArtifact, type RegistryArtifactOptions } from "./registry-artifact.js";
export { pathArtifact } from "./path-artifact.js";
export { ociLayoutArtifact, ociArchiveArtifact, verifyOciLayout, type OciLayoutOptions } from "./oci-layout-artifact.js";
export { readImage, type ReadImage, type ProbeDescriptor } from "./image-documents.js";
export { UNKNOWN_ATTR } from "./check-unknown-attrs.js";
export type {
  ArtifactProbe,
  ConformanceExporter,
  ConformanceExportResult,
  ConformanceFixture,
  ConformanceOptions,
  ConformanceProgressEvent,
  ConformanceReleasable,
  ConformanceRequest,
  ConformanceStore,
} from "./types.js";
