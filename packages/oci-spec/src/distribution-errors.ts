import * as v from "valibot";
import { openObject } from "./object-schemas.js";

// Error bodies of the OCI distribution spec (`spec.md`, "Error Codes"): every 4xx/5xx from a
// registry API endpoint should carry `{"errors":[{code, message, detail}]}`.

/** The codes the distribution spec defines, with what they mean. */
export const DISTRIBUTION_ERROR_CODES = {
  BLOB_UNKNOWN: "blob unknown to registry",
  BLOB_UPLOAD_INVALID: "blob upload invalid",
  BLOB_UPLOAD_UNKNOWN: "blob upload unknown to registry",
  DIGEST_INVALID: "provided digest did not match uploaded content",
  MANIFEST_BLOB_UNKNOWN: "manifest references a manifest or blob unknown to registry",
  MANIFEST_INVALID: "manifest invalid",
  MANIFEST_UNKNOWN: "manifest unknown to registry",
  NAME_INVALID: "invalid repository name",
  NAME_UNKNOWN: "repository name not known to registry",
  SIZE_INVALID: "provided length did not match content length",
  UNAUTHORIZED: "authentication required",
  DENIED: "requested access to the resource is denied",
  UNSUPPORTED: "the operation is unsupported",
  TOOMANYREQUESTS: "too many requests",
} as const;

export type DistributionErrorCode = keyof typeof DISTRIBUTION_ERROR_CODES;

export function isDistributionErrorCode(code: string): code is DistributionErrorCode {
  return Object.hasOwn(DISTRIBUTION_ERROR_CODES, code);
}

/**
 * One error. `code` is any string, not only the known ones: registries add their own (Docker
 * Hub, ECR, Harbor do), and rejecting the whole body over an unknown code would hide the
 * message the user needs. Use isDistributionErrorCode to branch on the known ones.
 */
export const DistributionErrorSchema = openObject({
  code: v.string(),
  message: v.optional(v.string()),
  /** Free-form; registries put strings, objects or arrays here. */
  detail: v.optional(v.unknown()),
});
export type DistributionError = v.InferOutput<typeof DistributionErrorSchema>;

export const DistributionErrorsSchema = openObject({
  errors: v.array(DistributionErrorSchema),
});
export type DistributionErrors = v.InferOutput<typeof DistributionErrorsSchema>;
