import { z } from "zod";
import { isDigest, parseDigest, type Digest } from "./digest.js";

// Building blocks shared by every document schema, so a digest or media type is checked the
// same way wherever it appears.

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/**
 * A digest checked by parseDigest, typed as the Digest brand. z.custom rather than a string
 * refinement so the parsed type is Digest without a transform, which keeps the schema usable
 * for both input and output typing.
 */
export const DigestSchema = z.custom<Digest>(
  (value) => isDigest(value),
  {
    error: (issue) => {
      const value = issue.input;
      if (value === undefined) return "missing, expected a digest";
      if (typeof value !== "string") return `expected a digest string, got ${kindOf(value)}`;
      try {
        parseDigest(value);
        return undefined;
      } catch (error) {
        // InvalidDigestError already names the value and says what a digest looks like.
        return (error as Error).message;
      }
    },
  },
);

// RFC 6838 restricted-name grammar, as in image-spec's defs-descriptor.json (which oci-image-tool
// rc1 gets wrong with an accidental `$&-^` character range, hence our own copy).
const mediaTypePattern = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** `type/subtype` without parameters, as descriptors and manifests carry it. */
export const MediaTypeSchema = z.string().regex(mediaTypePattern, { error: "expected a media type of the form type/subtype" });

/** A blob size: JSON numbers above 2^53 lose precision, so anything that large is rejected rather than rounded. */
export const SizeSchema = z.int().nonnegative();

/** String-to-string annotations; the spec forbids other value types. */
export const AnnotationsSchema = z.record(z.string(), z.string());
