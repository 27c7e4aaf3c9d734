export {
  type Digest,
  type DigestAlgorithm,
  type DigestBrand,
  type ParsedDigest,
  Digester,
  DigestMismatchError,
  InvalidDigestError,
  asDigest,
  digestOf,
  isDigest,
  parseDigest,
  verifyDigest,
} from "./digest.js";
export {
  BUILDKIT_CACHE_CONFIG,
  COMPRESSIONS,
  DOCKER_ATTESTATION_MANIFEST,
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER_TAR,
  DOCKER_FOREIGN_LAYER_TAR_GZIP,
  DOCKER_LAYER_TAR,
  DOCKER_LAYER_TAR_GZIP,
  DOCKER_LAYER_TAR_ZSTD,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  IN_TOTO,
  OCI_EMPTY,
  OCI_EMPTY_DIGEST,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_LAYOUT,
  OCI_IMAGE_MANIFEST,
  OCI_LAYER_NONDISTRIBUTABLE_TAR,
  OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD,
  OCI_LAYER_TAR,
  OCI_LAYER_TAR_GZIP,
  OCI_LAYER_TAR_ZSTD,
  UnsupportedMediaTypeError,
  compressionOfMediaType,
  convertLayerMediaType,
  detectCompression,
  isIndexMediaType,
  isLayerMediaType,
  isManifestMediaType,
  layerMediaType,
  layerMediaTypeInfo,
  type Compression,
  type LayerMediaTypeInfo,
} from "./media-types.js";
export { AnnotationsSchema, DigestSchema, MediaTypeSchema, SizeSchema } from "./schema-primitives.js";
export { closedObject, openObject, recordOf } from "./object-schemas.js";
export { describeIssue } from "./issue-messages.js";
export {
  DescriptorSchema,
  PlatformDescriptorSchema,
  PlatformSchema,
  type Descriptor,
  type Platform,
  type PlatformDescriptor,
} from "./descriptor.js";
export { ImageManifestSchema, type ImageManifest } from "./manifest.js";
export { ImageIndexSchema, type ImageIndex } from "./image-index.js";
export {
  ContainerConfigSchema,
  HealthcheckSchema,
  HistorySchema,
  ImageConfigSchema,
  RootFSSchema,
  type ContainerConfig,
  type Healthcheck,
  type History,
  type ImageConfig,
  type RootFS,
} from "./image-config.js";
export { DockerManifestListSchema, DockerManifestSchema, type DockerManifest, type DockerManifestList } from "./docker-schema2.js";
export {
  IMAGE_LAYOUT_BLOBS_DIR,
  IMAGE_LAYOUT_FILE,
  IMAGE_LAYOUT_INDEX_FILE,
  IMAGE_LAYOUT_VERSION,
  ImageLayoutIndexSchema,
  ImageLayoutSchema,
  type ImageLayout,
} from "./image-layout.js";
export {
  DISTRIBUTION_ERROR_CODES,
  DistributionErrorSchema,
  DistributionErrorsSchema,
  isDistributionErrorCode,
  type DistributionError,
  type DistributionErrorCode,
  type DistributionErrors,
} from "./distribution-errors.js";
export {
  InvalidDocumentError,
  formatJsonPath,
  parseAs,
  parseDescriptor,
  parseDistributionErrors,
  parseDockerManifest,
  parseDockerManifestList,
  parseImageConfig,
  parseImageLayout,
  parseImageLayoutIndex,
  parseIndex,
  parseManifest,
  parseManifestOrIndex,
  type DocumentIssue,
  type ManifestOrIndex,
  type ParseManifestOrIndexOptions,
} from "./validate.js";
export { InvalidPlatformError, formatPlatform, normalizePlatform, parsePlatform, platformKey, type ParsePlatformOptions } from "./platform.js";
export { hostPlatform } from "./host-platform.js";
export { knownArchitectures, knownOperatingSystems } from "./platform-names.js";
export { createDigestVerifier, type DigestVerifierOptions } from "./verify-stream.js";
export {
  resumableVerifiedBody,
  resumingBody,
  type ResumableBodyOptions,
  type ResumableRequest,
  type ResumableResponse,
  type ResumeRetry,
} from "./resumable-body.js";
export * from "./reference/index.js";
export type { BlobSource, FetchedManifest, GetBlobOptions, ManifestRef, PushBlobOptions, PushBlobResult, RegistryApi } from "./distribution/registry-api.js";
export * from "./attestation-annotations.js";
