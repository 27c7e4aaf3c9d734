import * as v from "valibot";
import { DescriptorSchema } from "./descriptor.js";
import { OCI_IMAGE_INDEX } from "./media-types.js";
import { openObject } from "./object-schemas.js";
import { AnnotationsSchema, MediaTypeSchema } from "./schema-primitives.js";

/**
 * OCI image index (image-spec `image-index.md`): a multi-platform image, or the set of manifests
 * in an image layout. Open like the manifest, for the same reason. Entries may be manifests or
 * nested indexes, and BuildKit adds attestation manifests with platform `unknown/unknown`.
 */
export const ImageIndexSchema = openObject({
  schemaVersion: v.literal(2),
  mediaType: v.optional(v.literal(OCI_IMAGE_INDEX)),
  artifactType: v.optional(MediaTypeSchema),
  manifests: v.array(DescriptorSchema),
  subject: v.optional(DescriptorSchema),
  annotations: v.optional(AnnotationsSchema),
});
export type ImageIndex = v.InferOutput<typeof ImageIndexSchema>;
