// .dockerignore
export { parseDockerignore, parseDockerignoreLines, readDockerignore, readDockerignoreFile } from "./dockerignore.js";
export { createIgnoreMatcher, type IgnoreMatcher } from "./ignore-matcher.js";

// Build context
export { walkContext, type ContextEntry, type WalkContextOptions } from "./walk-context.js";

// Filesystems COPY reads from
export type { FsEntry, FsReadOptions, FsSource } from "./fs-source.js";
export { contextFsSource, type ContextFsSourceOptions } from "./context-fs-source.js";
export { tarChainFsSource, type TarLayer } from "./tar-chain-fs-source.js";
export { inlineFilesSource, type InlineTextFile, type InlineFilesSourceOptions } from "./inline-files-source.js";
export { ContentHashCache, defaultContentHashCache, type FileIdentity, type HashCacheEntry, type KnownXattrs } from "./content-hash-cache.js";

// COPY
export { selectCopySources, type SelectCopySourcesOptions } from "./select-copy-sources.js";
export type { CopyPlan, CopyPlanEntry } from "./copy-plan.js";
export { mergeCopyPlans } from "./merge-copy-plans.js";
export { checksumCopy, type ChecksumCopyOptions } from "./checksum-copy.js";
export { FsIndex } from "./fs-index.js";
export { DestTree } from "./dest-tree.js";
export { CopyPlanBuilder } from "./copy-plan-builder.js";
export { FileModeChange, InvalidModeError } from "./symbolic-mode.js";

// Layer tars
export { resolveLayerEntries, type LayerEntry, type CopyAttributes } from "./layer-entry.js";
export { layerTarStream, writeLayerTar, type WriteLayerTarOptions, type LayerTarResult } from "./write-layer-tar.js";
export type { MtimePolicy } from "./tar-header.js";

// Limits of the tar headers exp reads
export { maxTarHeaderBytes, shortName, TarError, TarHeaderTooLargeError } from "./tar-limits.js";

// Orders and errors
export { compareBytes, compareWalkOrder } from "./path-order.js";
export {
  ArchiveEntryError,
  ContextNotFoundError,
  CopyDestConflictError,
  CopyDestNotDirError,
  CopyDirOntoNonDirError,
  CopyFileOntoDirError,
  CopyParentNotDirError,
  CopyOutsideContextError,
  CopySourceNotFoundError,
  DockerignoreReadError,
  FileChangedError,
  FsPathNotFoundError,
  InvalidArchiveError,
  InvalidLayerEntryError,
  InvalidLayerTarError,
  InvalidPatternError,
  SymlinkLoopError,
} from "./errors.js";
