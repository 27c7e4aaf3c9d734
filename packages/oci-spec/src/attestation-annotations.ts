import type { Platform } from "./descriptor.js";

// BuildKit's attestation storage (docs/attestations/attestation-storage.md): how an image index
// lists the attestation manifest of each image manifest, and how its layers say what they hold.

/** Index annotation: the kind of reference an entry is; `attestation-manifest` for BuildKit's. */
export const REFERENCE_TYPE_ANNOTATION = "vnd.docker.reference.type";
/** Index annotation: the digest of the image manifest an attestation manifest is about. */
export const REFERENCE_DIGEST_ANNOTATION = "vnd.docker.reference.digest";
/** The value of REFERENCE_TYPE_ANNOTATION on an attestation manifest's entry. */
export const ATTESTATION_MANIFEST_REFERENCE = "attestation-manifest";
/** Layer annotation of an attestation manifest: the predicate type of the statement inside. */
export const PREDICATE_TYPE_ANNOTATION = "in-toto.io/predicate-type";

/** The platform of an attestation manifest's index entry, so runtimes never pull it (BuildKit's intotoPlatform). */
export const ATTESTATION_PLATFORM: Readonly<Platform> = Object.freeze({ os: "unknown", architecture: "unknown" });
