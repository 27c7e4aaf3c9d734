import { ExpError } from "@exp/errors";

// Every media type an image build or a registry round trip can meet. Registries answer with
// either family (OCI or Docker schema2) and BuildKit writes both depending on `oci-mediatypes`,
// so both must be recognised and converted without loss.

// --- OCI image-spec (media-types.md) ---
export const OCI_IMAGE_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
export const OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
// Deprecated by image-spec 1.1 ("SHOULD NOT be pushed") but still found in old Windows images.
export const OCI_LAYER_NONDISTRIBUTABLE_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar";
export const OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
export const OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/** The `{}` blob (2 bytes) used as config or layer of artifacts that have none. */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** The `oci-layout` file at the root of an image layout directory. */
export const OCI_IMAGE_LAYOUT = "application/vnd.oci.layout.header.v1+json";

/** Digest of OCI_EMPTY's content, `{}`; artifacts point at it so often that it is worth a name. */
export const OCI_EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

// --- Docker image manifest v2, schema 2 ---
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
export const DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
/**
 * Not in the Docker spec: containerd and BuildKit write it for zstd layers when OCI media types
 * are off. Docker Engine before 25 cannot pull it (docker/cli#5011), so prefer OCI_LAYER_TAR_ZSTD.
 */
export const DOCKER_LAYER_TAR_ZSTD = "application/vnd.docker.image.rootfs.diff.tar.zstd";
/** Layers fetched from `urls` rather than the registry (Windows base layers). */
export const DOCKER_FOREIGN_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
export const DOCKER_FOREIGN_LAYER_TAR = "application/vnd.docker.image.rootfs.foreign.diff.tar";

// --- BuildKit, in-toto and attestations ---
/** Config of a BuildKit cache manifest (`--export-cache type=registry`). */
export const BUILDKIT_CACHE_CONFIG = "application/vnd.buildkit.cacheconfig.v0";
/** Layers of attestation manifests: one in-toto statement (SBOM, SLSA provenance) each. */
export const IN_TOTO = "application/vnd.in-toto+json";
/**
 * The `artifactType` BuildKit gives attestation manifests. The manifest itself is an ordinary
 * OCI_IMAGE_MANIFEST, so this is not a manifest media type for isManifestMediaType.
 */
export const DOCKER_ATTESTATION_MANIFEST = "application/vnd.docker.attestation.manifest.v1+json";

/** How a layer blob is compressed. */
export type Compression = "gzip" | "zstd" | "uncompressed";
export const COMPRESSIONS: readonly Compression[] = ["gzip", "zstd", "uncompressed"];

/** What a layer media type says about its blob. */
export interface LayerMediaTypeInfo {
  readonly compression: Compression;
  /** True for the OCI spelling, false for Docker schema2. */
  readonly oci: boolean;
  /** OCI "non-distributable" or Docker "foreign": the blob may live outside the registry. */
  readonly nondistributable: boolean;
}

// One row per layer media type; conversions look up the row with the same compression and
// distributability in the other family, so adding a row is all a new type needs.
const layerTable = new Map<string, LayerMediaTypeInfo>([
  [OCI_LAYER_TAR, { compression: "uncompressed", oci: true, nondistributable: false }],
  [OCI_LAYER_TAR_GZIP, { compression: "gzip", oci: true, nondistributable: false }],
  [OCI_LAYER_TAR_ZSTD, { compression: "zstd", oci: true, nondistributable: false }],
  [OCI_LAYER_NONDISTRIBUTABLE_TAR, { compression: "uncompressed", oci: true, nondistributable: true }],
  [OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP, { compression: "gzip", oci: true, nondistributable: true }],
  [OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD, { compression: "zstd", oci: true, nondistributable: true }],
  [DOCKER_LAYER_TAR, { compression: "uncompressed", oci: false, nondistributable: false }],
  [DOCKER_LAYER_TAR_GZIP, { compression: "gzip", oci: false, nondistributable: false }],
  [DOCKER_LAYER_TAR_ZSTD, { compression: "zstd", oci: false, nondistributable: false }],
  [DOCKER_FOREIGN_LAYER_TAR, { compression: "uncompressed", oci: false, nondistributable: true }],
  [DOCKER_FOREIGN_LAYER_TAR_GZIP, { compression: "gzip", oci: false, nondistributable: true }],
]);

/** A media type this package cannot use where it was given (not a layer, or no equivalent in the other family). */
export class UnsupportedMediaTypeError extends ExpError {
  readonly mediaType: string;
  constructor(mediaType: string, reason: string) {
    super("ERR_UNSUPPORTED_MEDIA_TYPE", `unsupported media type ${JSON.stringify(mediaType)}: ${reason}`);
    this.mediaType = mediaType;
  }
}

/** The layer media type for a compression, in OCI or Docker spelling. */
export function layerMediaType(compression: Compression, options: { oci: boolean }): string {
  for (const [mediaType, info] of layerTable) {
    if (info.compression === compression && info.oci === options.oci && !info.nondistributable) return mediaType;
  }
  // Only reachable when a JavaScript caller passes a string outside Compression.
  throw new UnsupportedMediaTypeError(String(compression), `unknown compression; expected one of ${COMPRESSIONS.join(", ")}`);
}

/** Compression, family and distributability of a layer media type; undefined when it is not a layer. */
export function layerMediaTypeInfo(mediaType: string): LayerMediaTypeInfo | undefined {
  return layerTable.get(mediaType);
}

/** The compression a layer media type declares, or undefined for anything that is not a tar layer. */
export function compressionOfMediaType(mediaType: string): Compression | undefined {
  return layerTable.get(mediaType)?.compression;
}

export function isLayerMediaType(mediaType: string): boolean {
  return layerTable.has(mediaType);
}

/** An image manifest, OCI or Docker schema2 (not schema1, which nothing we talk to still writes). */
export function isManifestMediaType(mediaType: string): boolean {
  return mediaType === OCI_IMAGE_MANIFEST || mediaType === DOCKER_MANIFEST;
}

/** A list of manifests: OCI index or Docker manifest list. */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === OCI_IMAGE_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/**
 * The same layer in the other family (or unchanged when already in the requested one), as
 * BuildKit does when `oci-mediatypes` is toggled. Non-distributable OCI layers map to Docker
 * foreign layers. Throws UnsupportedMediaTypeError for non-layers and for OCI non-distributable
 * zstd, which has no Docker spelling: silently picking another type would lie about the blob.
 */
export function convertLayerMediaType(mediaType: string, options: { oci: boolean }): string {
  const info = layerTable.get(mediaType);
  if (!info) throw new UnsupportedMediaTypeError(mediaType, "not a layer media type");
  if (info.oci === options.oci) return mediaType;
  for (const [candidate, other] of layerTable) {
    if (other.oci === options.oci && other.compression === info.compression && other.nondistributable === info.nondistributable) {
      return candidate;
    }
  }
  throw new UnsupportedMediaTypeError(mediaType, `has no ${options.oci ? "OCI" : "Docker"} equivalent`);
}

const gzipMagic = [0x1f, 0x8b, 0x08];
const zstdMagic = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

/**
 * Compression of a blob from its first bytes (4 suffice). Media types can lie (a Docker
 * `.tar.gzip` layer that is really plain tar exists in the wild), so importers check the bytes.
 * gzip is matched with its deflate method byte (08) as containerd does; anything unrecognised
 * is treated as uncompressed tar.
 */
export function detectCompression(firstBytes: Uint8Array): Compression {
  if (startsWith(firstBytes, gzipMagic)) return "gzip";
  if (startsWith(firstBytes, zstdMagic)) return "zstd";
  return "uncompressed";
}
