export { walkAttrs, walkRow, coverageFindings } from "./walk-attrs.js";
export { AttrWalkError } from "./attr-walk-error.js";
export type { AttrCase, AttrExemptions, AttrWalkFinding, AttrWalkOptions } from "./types.js";
export {
  readOciArtifact,
  fingerprint,
  blob,
  json,
  indexJson,
  rootDescriptor,
  manifest,
  config,
  layerMtimes,
  type OciArtifact,
  type Descriptor as OciArtifactDescriptor,
  type Manifest as OciArtifactManifest,
} from "./image/image-artifact.js";
export { BUILD_EPOCH } from "./image/build-epoch.js";
export { attested, walkAttestations } from "./image/attested-variant.js";
export * from "./cache/index.js";
