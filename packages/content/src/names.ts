import { createHash } from "node:crypto";
import { parseDigest, type Digest } from "@exp/oci-spec";
import { InvalidNameError } from "./errors.js";

const maxNameLength = 4096;

/** Checks a caller-chosen identifier (lease id, history id, root name); any non-empty string will do. */
export function checkName(kind: string, value: unknown): string {
  if (typeof value !== "string") throw new InvalidNameError(kind, value, "must be a string");
  if (value.length === 0) throw new InvalidNameError(kind, value, "must not be empty");
  if (value.length > maxNameLength) throw new InvalidNameError(kind, `${value.slice(0, 64)}...`, `longer than ${maxNameLength} characters`);
  if (value.includes("\0")) throw new InvalidNameError(kind, value, "must not contain NUL");
  return value;
}

/**
 * A file name for an arbitrary identifier: readable when the id is simple, with every byte other than
 * [A-Za-z0-9_-] percent-encoded (so "/" and ":" cannot escape the directory or clash), and hashed when the encoding
 * would pass the usual 255-byte name limit. "~" is always encoded, so the hashed form cannot
 * collide with an encoded one. The record itself stores the real id, so this never needs decoding.
 */
export function fileNameFor(id: string): string {
  let encoded = "";
  for (const byte of Buffer.from(id, "utf8")) {
    const isPlain = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x5f;
    encoded += isPlain ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (encoded.length <= 200) return encoded;
  return `~${createHash("sha256").update(id).digest("hex")}`;
}

/** `sha256:<hex>` -> `sha256-<hex>`: a digest as a portable file name (":" is reserved on Windows). */
export function digestFileName(digest: Digest): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}`;
}

/** Inverse of digestFileName; undefined for names that are not one. */
export function digestFromFileName(name: string): Digest | undefined {
  const dash = name.indexOf("-");
  if (dash < 0) return undefined;
  const value = `${name.slice(0, dash)}:${name.slice(dash + 1)}`;
  try {
    parseDigest(value);
    return value as Digest;
  } catch {
    return undefined;
  }
}
