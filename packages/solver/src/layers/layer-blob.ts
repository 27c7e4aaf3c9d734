import { layerMediaType, type Descriptor, type Digest } from "@exp/oci-spec";
import type { CompressionType } from "./compression.js";

/** Label (and cache-manifest annotation, as BuildKit names it) holding a blob's uncompressed digest. */
export const uncompressedLabel = "containerd.io/uncompressed";
/** Labels we add so a later build can tell a blob's compression without reading it. */
export const compressionLabel = "exp.io/compression";
export const compressionLevelLabel = "exp.io/compression-level";

/** A compressed (or not) form of one layer. */
export interface LayerBlob {
  /** OCI layer media type; exporters convert it for Docker schema2. Annotations carry the diffID. */
  readonly descriptor: Descriptor;
  readonly diffID: Digest;
  readonly compression: CompressionType;
  readonly level?: number;
  /** False for a blob known only remotely (a base layer in a registry), not in the local store. */
  readonly local: boolean;
}

export function layerBlobDescriptor(digest: Digest, size: number, diffID: Digest, compression: CompressionType): Descriptor {
  return { mediaType: layerMediaType(compression, { oci: true }), digest, size, annotations: { [uncompressedLabel]: diffID } };
}
