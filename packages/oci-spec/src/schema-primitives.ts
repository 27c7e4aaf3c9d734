import * as v from "valibot";
import { isDigest, parseDigest, type Digest } from "./digest.js";
import { recordOf } from "./object-schemas.js";
import { kindOf, show } from "./show-value.js";

// Building blocks shared by every document schema, so a digest or media type is checked the
// same way wherever it appears.

/**
 * A digest checked by parseDigest, typed as the Digest brand. A custom schema rather than a
 * string check so the parsed type is Digest without a transform, which keeps the schema's input
 * and output types the same.
 */
export const DigestSchema = v.custom<Digest>(isDigest, (issue) => {
  const value = issue.input;
  if (value === undefined) return "missing, expected a digest";
  if (typeof value !== "string") return `expected a digest string, got ${kindOf(value)}`;
  try {
    parseDigest(value);
  } catch (error) {
    // InvalidDigestError already names the value and says what a digest looks like.
    return (error as Error).message;
  }
  return `expected a digest, got ${show(value)}`;
});

// RFC 6838 restricted-name grammar, as in image-spec's defs-descriptor.json (which oci-image-tool
// rc1 gets wrong with an accidental `$&-^` character range, hence our own copy).
const mediaTypePattern = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** `type/subtype` without parameters, as descriptors and manifests carry it. */
export const MediaTypeSchema = v.pipe(
  v.string(),
  v.regex(mediaTypePattern, (issue) => `expected a media type of the form type/subtype, got ${show(issue.input)}`),
);

/** Any JSON integer that a double holds exactly: above 2^53 JSON numbers lose precision, so those are rejected rather than rounded. */
export const IntegerSchema = v.pipe(v.number(), v.safeInteger());

/** A blob size: a non-negative safe integer. */
export const SizeSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/** String-to-string annotations; the spec forbids other value types. */
export const AnnotationsSchema = recordOf(v.string());
