import { z } from "zod";
import { DescriptorSchema } from "./descriptor.js";
import { OCI_IMAGE_MANIFEST } from "./media-types.js";
import { AnnotationsSchema, MediaTypeSchema } from "./schema-primitives.js";

/**
 * OCI image manifest (image-spec `manifest.md`, v1.1 with artifactType and subject).
 *
 * Documents are open objects: keys this version does not know are kept, so a manifest that is
 * parsed, edited (say, layer media types converted) and written back loses nothing a newer spec
 * or another tool put there. `layers` may be empty: image-spec 1.1 allows it for artifacts,
 * although oci-image-tool rc1 still requires one entry.
 */
export const ImageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  // Optional in the spec; when present it must name this type, which is what keeps a manifest
  // from being read as an index (the confusion image-spec 1.1 warns about).
  mediaType: z.literal(OCI_IMAGE_MANIFEST).optional(),
  artifactType: MediaTypeSchema.optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: AnnotationsSchema.optional(),
});
export type ImageManifest = z.infer<typeof ImageManifestSchema>;
