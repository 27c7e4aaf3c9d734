// The few media types GC must recognise to follow references. Defined here rather than imported
// so this package does not depend on when @exp/oci-spec grows its own constants.

export const MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_TYPE_OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_TYPE_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

/** Blob label under which `ingest({ mediaType })` records the media type, for GC. */
export const LABEL_MEDIA_TYPE = "exp.io/media-type";

/** containerd's convention: a label `containerd.io/gc.ref.content[.<anything>]` whose value is a digest pins that blob. */
export const LABEL_GC_REF_CONTENT = "containerd.io/gc.ref.content";

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPE_OCI_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_MANIFEST;
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPE_OCI_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}
