import { z } from "zod";
import { DescriptorSchema } from "./descriptor.js";
import { OCI_IMAGE_INDEX } from "./media-types.js";
import { AnnotationsSchema, MediaTypeSchema } from "./schema-primitives.js";

/**
 * OCI image index (image-spec `image-index.md`): a multi-platform image, or the set of manifests
 * in an image layout. Open like the manifest, for the same reason. Entries may be manifests or
 * nested indexes, and BuildKit adds attestation manifests with platform `unknown/unknown`.
 */
export const ImageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(OCI_IMAGE_INDEX).optional(),
  artifactType: MediaTypeSchema.optional(),
  manifests: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: AnnotationsSchema.optional(),
});
export type ImageIndex = z.infer<typeof ImageIndexSchema>;
