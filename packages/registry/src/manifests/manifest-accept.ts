import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@exp/oci-spec";

/**
 * Every manifest type we understand. distribution 2.8 answers 404 for an OCI manifest when the
 * Accept header does not list OCI types, so every GET and HEAD sends all four.
 */
export const manifestAccept = [OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(", ");

/** Manifests and indexes are small; anything larger is refused rather than buffered. */
export const maxManifestBytes = 4 * 1024 * 1024;
