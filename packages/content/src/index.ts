export { openContentStore } from "./store.js";
export { checkStore } from "./check.js";
export { inspectStoreRoot, notAStoreError, type StoreRootState } from "./store-root.js";
export type { Holder, StoreUsage } from "./usage.js";
export { attributeUsage, holderLastUsed, type UsageAttribution, type UsageGroup } from "./usage-attribution.js";
export type { StoreCheckReport, StoreFault, StoreFaultCode } from "./check-report.js";
export type { LeaseHolder } from "./lease-holder.js";
export type {
  BlobInfo,
  ContentStore,
  DiskUsage,
  GcResult,
  HistoryRecord,
  HistoryRequest,
  HistorySpec,
  HistoryStepCounts,
  IngestOptions,
  IngestResult,
  IngestSource,
  Lease,
  LeaseResource,
  OpenOptions,
  PruneOptions,
  PruneResult,
  RootRemoval,
  SignalOption,
} from "./types.js";
export {
  CorruptMetadataError,
  InvalidArgumentError,
  InvalidNameError,
  LayoutLockedError,
  LeaseExistsError,
  LeaseNotFoundError,
  NotAStoreError,
  NotFoundError,
  ReadOnlyStoreError,
  SizeMismatchError,
  StoreIoError,
  TooLargeError,
  type NotAStoreReason,
} from "./errors.js";
export {
  LABEL_GC_REF_CONTENT,
  LABEL_MEDIA_TYPE,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from "./media-types.js";
export { DEFAULT_READ_ALL_LIMIT } from "./blobs.js";
// Atomic file writes, for every package that writes files outside the store (layouts, caches, archives).
export { writeFileAtomic, tempPathFor } from "./atomic-write.js";
// OCI image layout directories written from the store (oci exports with tar=false, local caches).
export { layoutBlobPath, writeLayoutBlobs, updateLayoutIndex } from "./layout-dir.js";
export { withLayoutLock } from "./layout-lock.js";
