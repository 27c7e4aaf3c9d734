import { InvalidOptionError } from "@exp/errors";
import { compressionTypes, type AttrReader, type CacheMode, type CompressionRequest } from "@exp/solver";

/** The keys BuildKit's registry and local cache exporters share. */
export const cacheExportKeys = ["mode", "compression", "compression-level", "force-compression", "image-manifest", "oci-mediatypes", "ignore-error"] as const;

export interface CacheExportOptions {
  mode: CacheMode;
  compression: CompressionRequest;
  ociMediaTypes: boolean;
  imageManifest: boolean;
  ignoreError: boolean;
}

/**
 * Parses the shared keys. An invalid `mode` is an error (BuildKit silently keeps min; a typo
 * should not quietly export less than asked), and image-manifest=true with Docker media types is
 * refused, as in BuildKit.
 */
export function parseCacheExportOptions(reader: AttrReader): CacheExportOptions {
  const mode = reader.oneOf("mode", ["min", "max"] as const, "min") as CacheMode;
  const type = reader.oneOf("compression", compressionTypes, "gzip");
  const level = reader.int("compression-level", type === "zstd" ? { min: 0, max: 22 } : { min: 0, max: 9 });
  const force = reader.bool("force-compression", false);
  const ociMediaTypes = reader.bool("oci-mediatypes", true);
  const imageManifest = reader.bool("image-manifest", ociMediaTypes);
  if (imageManifest && !ociMediaTypes) {
    throw new InvalidOptionError(reader.component, "image-manifest", "true", "false with oci-mediatypes=false (an image manifest cache needs OCI media types)");
  }
  return { mode, compression: { type, ...(level === undefined ? {} : { level }), force }, ociMediaTypes, imageManifest, ignoreError: reader.bool("ignore-error", false) };
}
