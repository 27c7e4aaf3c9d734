import * as v from "valibot";
import { DescriptorSchema } from "./descriptor.js";
import { OCI_IMAGE_MANIFEST } from "./media-types.js";
import { openObject } from "./object-schemas.js";
import { AnnotationsSchema, MediaTypeSchema } from "./schema-primitives.js";

/**
 * OCI image manifest (image-spec `manifest.md`, v1.1 with artifactType and subject).
 *
 * Documents are open objects: keys this version does not know are kept, so a manifest that is
 * parsed, edited (say, layer media types converted) and written back loses nothing a newer spec
 * or another tool put there. `layers` may be empty: image-spec 1.1 allows it for artifacts,
 * although oci-image-tool rc1 still requires one entry.
 */
export const ImageManifestSchema = openObject({
  schemaVersion: v.literal(2),
  // Optional in the spec; when present it must name this type, which is what keeps a manifest
  // from being read as an index (the confusion image-spec 1.1 warns about).
  mediaType: v.optional(v.literal(OCI_IMAGE_MANIFEST)),
  artifactType: v.optional(MediaTypeSchema),
  config: DescriptorSchema,
  layers: v.array(DescriptorSchema),
  subject: v.optional(DescriptorSchema),
  annotations: v.optional(AnnotationsSchema),
});
export type ImageManifest = v.InferOutput<typeof ImageManifestSchema>;
