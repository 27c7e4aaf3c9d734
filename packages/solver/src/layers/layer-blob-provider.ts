import type { CompressionRequest, CompressionType } from "./compression.js";
import type { Layer } from "./layer.js";
import type { LayerBlob } from "./layer-blob.js";
import type { Progress } from "../progress/progress.js";

export interface BlobCallOptions {
  /** The caller's lease: the blob is added to it so it outlives the call until the lease is released. */
  lease?: string;
  signal?: AbortSignal;
  progress?: Progress;
  /**
   * Accept a base layer's blob that exists only remotely (`local: false`), e.g. for a push to the
   * registry that already has it (a mount). Otherwise such a blob is downloaded first.
   */
  allowRemote?: boolean;
}

/**
 * The build's layer blobs as the contract hands them to exporters and cache backends: every
 * exporter asks here, so each layer is compressed at most once per build. `LayerBlobs`
 * implements it.
 */
export interface LayerBlobProvider {
  /** A blob of the layer in the requested compression: an existing one, or made (once) now. */
  get(layer: Layer, request: CompressionRequest, options?: BlobCallOptions): Promise<LayerBlob>;
  /** A blob that already exists (never compresses): what `mode=min` cache exports use. */
  existing(layer: Layer, options?: BlobCallOptions & { compression?: CompressionType }): Promise<LayerBlob | undefined>;
}
