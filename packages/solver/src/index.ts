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
export type { InlineCacheFn, InlineCacheRequest } from "./exporter/inline-cache.js";
export { descriptorReference, leaseHandle, type DescriptorReference, type Releasable } from "./exporter/descriptor-reference.js";
export type { ExportSource, ExportMetadata, PlatformResult, ImageConfigJSON } from "./exporter/source.js";

// Refs and layers
export type { Layer } from "./layers/layer.js";
export { tarballLayer, type TarballLayerOptions } from "./layers/tarball-layer.js";
export { chainID, createRef, type Ref } from "./layers/ref.js";
export { LayerBlobs, type BlobCallOptions, type LayerBlobStats } from "./layers/layer-blobs.js";
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
export type { ProgressEvent, ProgressListener, VertexEvent, VertexStatus, BytesEvent, WarningEvent, LogEvent } from "./progress/events.js";
export { ProgressReporter } from "./progress/reporter.js";
