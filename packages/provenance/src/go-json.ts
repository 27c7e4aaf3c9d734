/**
 * The parts of Go's encoding/json that decide BuildKit's bytes, so a predicate serialised here is
 * the one BuildKit would write for the same build:
 * - a Go map is written with its keys sorted (by UTF-8 bytes, i.e. by code point); a struct in
 *   field order. JavaScript keeps insertion order, so maps are built with `goMap` and structs as
 *   object literals in their Go field order;
 * - strings escape `<`, `>`, `&`, U+2028 and U+2029 (json.Marshal's HTML escaping), and invalid
 *   UTF-16 (a lone surrogate) becomes U+FFFD as invalid UTF-8 does in Go.
 * One thing cannot be had with plain objects: JavaScript orders integer-like keys ("7") first.
 * Only a frontend attr or vcs key spelled as a bare number could hit that.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Go's map key order: byte order of the UTF-8 encoding, which is code point order. */
export function compareGoStrings(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** A Go map[string]T as JSON: the same entries, keys in Go's order. */
export function goMap<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort(compareGoStrings)) out[key] = record[key]!;
  return out;
}

/**
 * What a value looks like after BuildKit's `json.Marshal` -> `map[string]any` -> `json.Marshal`
 * round trip (the custom MarshalJSON of v1's internalParameters and v0.2's environment): every
 * object's keys sorted, at every depth.
 */
export function sortKeysDeep(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort(compareGoStrings)) out[key] = sortKeysDeep(value[key]!);
    return out;
  }
  return value;
}

const htmlEscapes: Readonly<Record<string, string>> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };

// JSON.stringify writes a lone surrogate (and only a lone one) as a `\udXXX` escape; Go writes
// the escape `\ufffd` for what is not valid UTF-8. An escaped backslash before it (`\\udXXX`) is text, not an escape.
const loneSurrogateEscape = /(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g;

/**
 * JSON as Go's json.Marshal (`indent` undefined) or json.MarshalIndent(v, "", indent) writes it.
 * JSON.stringify already matches Go on layout and on the escapes it shares (`\n`, `\"`, `\u001f`,
 * and `\b`/`\f` as Go 1.22 and later write them); the HTML characters can only occur inside
 * strings, so replacing them in the output is safe.
 */
export function goJSON(value: unknown, indent?: string): string {
  const text = JSON.stringify(value, null, indent);
  if (text === undefined) throw new TypeError("goJSON: the value has no JSON form");
  return text.replace(loneSurrogateEscape, "$1\\ufffd").replace(/[<>&\u2028\u2029]/g, (c) => htmlEscapes[c]!);
}
