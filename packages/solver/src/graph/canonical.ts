import { digestOf, type Digest } from "@exp/oci-spec";

/**
 * JSON with object keys sorted at every level and no whitespace, so equal values always give the
 * same bytes (and so the same cache key) whatever order their properties were built in.
 * `undefined` properties are dropped, as JSON.stringify does.
 */
export function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJSON(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v)}`).join(",")}}`;
}

/** The sha256 digest of a value's canonical JSON. */
export function digestOfValue(value: unknown): Digest {
  return digestOf(canonicalJSON(value));
}
