import { createHash } from "node:crypto";
import { z } from "zod";
import { isDigest, parseDigest } from "./digest.js";
import { AnnotationsSchema, DigestSchema, MediaTypeSchema, SizeSchema } from "./schema-primitives.js";

const Base64 = z.base64();

/** OCI platform (image-spec `image-index.md`): what an image in an index runs on. */
export const PlatformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  "os.version": z.string().optional(),
  "os.features": z.array(z.string()).optional(),
  variant: z.string().optional(),
  /** Reserved by the spec for future use; kept so documents that set it still validate. */
  features: z.array(z.string()).optional(),
});
export type Platform = z.infer<typeof PlatformSchema>;

// Descriptor and Platform are closed objects (unknown keys are dropped) so that their TypeScript
// types stay exact and a misspelt key in an object literal is a compile error. Documents that
// embed them (manifest, index) are open instead; see manifest.ts.
const descriptorShape = {
  mediaType: MediaTypeSchema,
  digest: DigestSchema,
  size: SizeSchema,
  urls: z.array(z.url()).optional(),
  annotations: AnnotationsSchema.optional(),
  data: Base64.optional(),
  artifactType: MediaTypeSchema.optional(),
  platform: PlatformSchema.optional(),
};

/**
 * The spec says embedded `data` must be identical to the referenced content. A consumer that
 * trusts `data` instead of fetching the blob would otherwise accept content that the digest
 * does not vouch for, so a mismatch makes the descriptor invalid here.
 */
function checkEmbeddedData(descriptor: { data?: string | undefined; size: number; digest: string }, ctx: z.RefinementCtx): void {
  // Malformed base64 was already reported on `data`; decoding it leniently would add noise.
  if (descriptor.data === undefined || !Base64.safeParse(descriptor.data).success) return;
  const bytes = Buffer.from(descriptor.data, "base64");
  if (bytes.byteLength !== descriptor.size) {
    ctx.addIssue({ code: "custom", path: ["data"], message: `embedded data is ${bytes.byteLength} bytes but size is ${descriptor.size}` });
    return;
  }
  // Refinements can run after a field already failed; an invalid digest was reported there.
  if (!isDigest(descriptor.digest)) return;
  const { algorithm } = parseDigest(descriptor.digest);
  const actual = `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
  if (actual !== descriptor.digest) {
    ctx.addIssue({ code: "custom", path: ["data"], message: `embedded data hashes to ${actual}, not to the descriptor's digest ${descriptor.digest}` });
  }
}

/** OCI content descriptor (image-spec `descriptor.md`). Also fits Docker schema2 descriptors. */
export const DescriptorSchema = z.object(descriptorShape).superRefine(checkEmbeddedData);
export type Descriptor = z.infer<typeof DescriptorSchema>;

/** A descriptor whose `platform` is required: entries of a Docker manifest list. */
export const PlatformDescriptorSchema = z.object({ ...descriptorShape, platform: PlatformSchema }).superRefine(checkEmbeddedData);
export type PlatformDescriptor = z.infer<typeof PlatformDescriptorSchema>;
