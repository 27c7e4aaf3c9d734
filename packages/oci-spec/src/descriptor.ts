import { createHash } from "node:crypto";
import * as v from "valibot";
import { isDigest, parseDigest } from "./digest.js";
import { closedObject } from "./object-schemas.js";
import { AnnotationsSchema, DigestSchema, MediaTypeSchema, SizeSchema } from "./schema-primitives.js";
import { show } from "./show-value.js";

/**
 * Base64 as zod's z.base64() accepted it: canonical padding, no whitespace. Not valibot's
 * base64(): its regular expression overflows V8's stack on a string of a few MB (a RangeError
 * instead of a validation issue), and atob does not.
 */
function isBase64(text: string): boolean {
  if (/\s/.test(text) || text.length % 4 !== 0) return false;
  try {
    atob(text);
    return true;
  } catch {
    return false;
  }
}

const Base64 = v.pipe(
  v.string(),
  v.check(isBase64, (issue) => `expected base64, got ${show(issue.input)}`),
);

/** OCI platform (image-spec `image-index.md`): what an image in an index runs on. */
export const PlatformSchema = closedObject({
  architecture: v.string(),
  os: v.string(),
  "os.version": v.optional(v.string()),
  "os.features": v.optional(v.array(v.string())),
  variant: v.optional(v.string()),
  /** Reserved by the spec for future use; kept so documents that set it still validate. */
  features: v.optional(v.array(v.string())),
});
export type Platform = v.InferOutput<typeof PlatformSchema>;

// Descriptor and Platform are closed objects (unknown keys are dropped) so that their TypeScript
// types stay exact and a misspelt key in an object literal is a compile error. Documents that
// embed them (manifest, index) are open instead; see manifest.ts.
const descriptorShape = {
  mediaType: MediaTypeSchema,
  digest: DigestSchema,
  size: SizeSchema,
  urls: v.optional(v.array(v.pipe(v.string(), v.url((issue) => `expected a URL, got ${show(issue.input)}`)))),
  annotations: v.optional(AnnotationsSchema),
  data: v.optional(Base64),
  artifactType: v.optional(MediaTypeSchema),
  platform: v.optional(PlatformSchema),
};

/** The fields the embedded-data check reads. */
interface EmbeddedData {
  data?: string | undefined;
  size: number;
  digest: string;
}

/**
 * The spec says embedded `data` must be identical to the referenced content. A consumer that
 * trusts `data` instead of fetching the blob would otherwise accept content that the digest
 * does not vouch for, so a mismatch makes the descriptor invalid here.
 */
function checkEmbeddedData<T extends EmbeddedData>({ dataset, addIssue }: v.RawCheckContext<T>): void {
  // A field of the wrong kind (malformed base64 or digest, a fractional size) was reported on
  // that field, and comparing against it would add noise. A size that is only out of range
  // still gets compared, so the message says that it also disagrees with the data.
  if (!dataset.typed) return;
  const descriptor = dataset.value;
  if (descriptor.data === undefined || !isBase64(descriptor.data) || !isDigest(descriptor.digest) || !Number.isInteger(descriptor.size)) return;
  const bytes = Buffer.from(descriptor.data, "base64");
  if (bytes.byteLength !== descriptor.size) {
    addIssue({ message: `embedded data is ${bytes.byteLength} bytes but size is ${descriptor.size}` });
    return;
  }
  const { algorithm } = parseDigest(descriptor.digest);
  const actual = `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
  if (actual !== descriptor.digest) {
    addIssue({ message: `embedded data hashes to ${actual}, not to the descriptor's digest ${descriptor.digest}` });
  }
}

/** OCI content descriptor (image-spec `descriptor.md`). Also fits Docker schema2 descriptors. */
const DescriptorObject = closedObject(descriptorShape);
export const DescriptorSchema = v.pipe(DescriptorObject, v.forward(v.rawCheck<v.InferOutput<typeof DescriptorObject>>(checkEmbeddedData), ["data"]));
export type Descriptor = v.InferOutput<typeof DescriptorSchema>;

/** A descriptor whose `platform` is required: entries of a Docker manifest list. */
const PlatformDescriptorObject = closedObject({ ...descriptorShape, platform: PlatformSchema });
export const PlatformDescriptorSchema = v.pipe(
  PlatformDescriptorObject,
  v.forward(v.rawCheck<v.InferOutput<typeof PlatformDescriptorObject>>(checkEmbeddedData), ["data"]),
);
export type PlatformDescriptor = v.InferOutput<typeof PlatformDescriptorSchema>;
