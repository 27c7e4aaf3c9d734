// What a plugin needs from the OCI spec, so an exporter package can depend on @exp/solver alone.
export { digestOf, type Descriptor, type Digest, type Platform } from "@exp/oci-spec";

// Contracts
export type { Exporter, ExporterInstance, ExportContext, ExportResult, FinalizeFn, FinalizeContext } from "./exporter/exporter.js";
export type {
  CacheExporter,
  CacheExporterInstance,
  CacheExportContext,
  CacheExportResult,
  CacheMode,
  InlineCacheExporterInstance,
  RemoteCacheExporterInstance,
} from "./exporter/cache-exporter.js";
export { isInlineCacheExporter } from "./exporter/cache-exporter.js";
export type { ResolveContext } from "./exporter/resolve-context.js";
export type { InlineCacheFn, InlineCacheRequest } from "./exporter/inline-cache.js";
export type { CacheImporter, CacheImporterInstance, CacheImportContext, ImportedCache, ImportedLayer } from "./exporter/cache-importer.js";
export { descriptorReference, leaseHandle, type DescriptorReference, type Releasable } from "./exporter/descriptor-reference.js";
export type { ExportSource, ExportMetadata, PlatformResult, ImageConfigJSON } from "./exporter/source.js";
export { inTotoStatement, predicateTypes, type InTotoAttestation, type InTotoStatement, type InTotoSubject } from "./exporter/attestation.js";

// Refs and layers
export type { Layer } from "./layers/layer.js";
export { tarballLayer, type TarballLayerOptions } from "./layers/tarball-layer.js";
export { chainID, createRef, type Ref } from "./layers/ref.js";
export { LayerBlobs, type LayerBlobStats } from "./layers/layer-blobs.js";
export type { BlobCallOptions, LayerBlobProvider } from "./layers/layer-blob-provider.js";
export { compressionLabel, compressionLevelLabel, uncompressedLabel, layerBlobDescriptor, type LayerBlob } from "./layers/layer-blob.js";
export {
  checkCompressionRequest,
  compressionTypes,
  createCompressor,
  CompressorUnavailableError,
  type CompressionRequest,
  type CompressionType,
} from "./layers/compression.js";

// Attributes, progress
export { AttrReader } from "./attrs/attr-reader.js";
export { DurationError, formatGoDuration, parseGoDuration } from "./attrs/go-duration.js";
export { recordAttrReads, type AttrReadRecord } from "./attrs/attr-reads.js";
export type { ProgressEvent, ProgressListener, VertexEvent, VertexStatus, BytesEvent, WarningEvent, LogEvent } from "./progress/events.js";
export { ProgressReporter } from "./progress/reporter.js";
export type { Progress } from "./progress/progress.js";
export { progressBytes } from "./progress/units.js";

// Build graph
export { scratch, image, local, http, copy, mkdir, type FsNode, type ScratchNode, type ImageNode, type LocalNode, type HttpNode, type CopyNode, type MkdirNode, type InlineFile } from "./graph/nodes.js";
export type { UrlFetcher, UrlGetOptions, UrlResponse } from "./sources/url-fetcher.js";
export { MissingUrlFetcherError, UrlBodyIncompleteError, UrlChecksumMismatchError, UrlStatusError } from "./sources/url-errors.js";
export { Solver, type SolverOptions, type SolvedFs } from "./graph/solver.js";
export type { BuildMaterials, ResolvedImageMaterial, ResolvedHttpMaterial } from "./graph/build-materials.js";
export type { BuildStep, BuildSteps } from "./graph/build-steps.js";
export { CacheRecords, type LayerRecord, type KnownChainRecord } from "./graph/cache-records.js";
export { cacheGraph, type CacheGraphNode, type ChainEntry } from "./graph/cache-graph.js";
export { collectCacheExportRecords, type CacheExportRecord } from "./graph/cache-export-records.js";
export { eachBlob } from "./graph/each-blob.js";
export { createRemoteCacheExport } from "./graph/remote-cache-export.js";
export { clearHashCache, loadHashCache, saveHashCache } from "./graph/hash-cache-store.js";
export { canonicalJSON, digestOfValue } from "./graph/canonical.js";
export { MissingRegistryClientError, failedNodeOf } from "./graph/solve-errors.js";
export { resolveChown, ChownLookupError, type ChownSpec } from "./graph/chown.js";

// Base images and layers from elsewhere
export type { BlobFetcher } from "./sources/blob-fetcher.js";
export { registryFetcher } from "./sources/registry-fetcher.js";
export { layoutFetcher, ImageNotFoundError } from "./sources/layout-fetcher.js";
export { archiveFetcher } from "./sources/archive-fetcher.js";
export { resolveImage, PlatformNotFoundError, type BaseImage } from "./sources/resolve-image.js";
export { remoteLayer, type RemoteLayerInit } from "./layers/remote-layer.js";
export { storedLayer } from "./layers/stored-layer.js";
export { createDecompressor } from "./layers/compression.js";

// Files: context, COPY, tars
export * from "./fs/index.js";
