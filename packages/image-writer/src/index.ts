export { commitImage, type CommittedImage, type CommittedLayer, type CommittedPlatform } from "./commit/commit-image.js";
export { finalConfig, manifestLayer } from "./commit/image-config.js";
export {
  imageCommitKeys,
  parseImageCommitOptions,
  resolveNames,
  hasExplicitTag,
  type ImageCommitOptions,
} from "./options/image-options.js";
export { parseAnnotations, annotationsFor, type Annotation, type AnnotationTarget } from "./options/annotations.js";
export { checkAnnotationsFit, annotationAttr, AnnotationMisfitError } from "./options/annotation-fit.js";
export { goTime } from "./commit/go-time.js";
export { exportedAttestations, writesIndex, checkAttestationsFit } from "./options/attestations-fit.js";
export { commitAttestationManifest, type CommittedAttestations } from "./commit/attestation-manifest.js";
