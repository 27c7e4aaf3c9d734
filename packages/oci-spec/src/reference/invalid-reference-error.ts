import { ExpError } from "@exp/errors";

/** A string that is not a valid image reference. `reason` says which rule it broke. */
export class InvalidReferenceError extends ExpError {
  readonly input: string;
  readonly reason: string;

  constructor(input: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      "ERR_INVALID_REFERENCE",
      `invalid image reference ${JSON.stringify(input)}: ${reason}; expected [registry/]repository[:tag][@digest], ` +
        `e.g. "alpine:3.20" or "ghcr.io/owner/app@sha256:<64 hex>"`,
      { ...options, fault: "client" },
    );
    this.input = input;
    this.reason = reason;
  }
}
