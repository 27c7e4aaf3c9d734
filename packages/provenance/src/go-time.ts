import { ProvenanceInputError } from "./errors.js";

// RFC 3339 in UTC with up to nanoseconds, as Go's time.Time marshals a UTC time.
const rfc3339Utc = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * A timestamp as Go's time.Time.MarshalJSON writes a UTC time (RFC3339Nano): fractional seconds
 * without trailing zeros, none at all when zero. in-toto and SLSA require UTC ("Z").
 */
export function goTimestamp(value: Date | string, field: string): string {
  let text: string;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ProvenanceInputError(field, "is an invalid Date");
    text = value.toISOString();
  } else if (typeof value === "string") {
    text = value;
  } else {
    throw new ProvenanceInputError(field, `expected a Date or an RFC 3339 string, got ${typeof value}`);
  }
  const match = rfc3339Utc.exec(text);
  if (!match || Number.isNaN(Date.parse(`${match[1]}Z`))) {
    throw new ProvenanceInputError(field, `${JSON.stringify(text)} is not an RFC 3339 UTC timestamp such as 2024-05-01T12:00:00.5Z`);
  }
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  return `${match[1]}${fraction ? `.${fraction}` : ""}Z`;
}
