import { readFile } from "node:fs/promises";
import { isDigest, type Descriptor } from "@exp/oci-spec";
import { CorruptMetadataError, InvalidArgumentError } from "./errors.js";
import { isNotFound } from "./fs-util.js";

// Shared by the JSON record files (blob metadata, leases, history, roots): reading them back
// checks their shape, so a hand-edited or truncated file is reported by path instead of
// surfacing later as a TypeError.

/** The parsed JSON object in `path`, or undefined when the file does not exist. */
export async function readJsonRecord(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CorruptMetadataError(path, "not valid JSON", error);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CorruptMetadataError(path, "not a JSON object");
  return value as Record<string, unknown>;
}

export function recordDate(path: string, record: Record<string, unknown>, key: string): Date {
  const value = record[key];
  const date = typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new CorruptMetadataError(path, `"${key}" is not an ISO date`);
  return date;
}

export function recordOptionalDate(path: string, record: Record<string, unknown>, key: string): Date | undefined {
  return record[key] === undefined ? undefined : recordDate(path, record, key);
}

export function recordString(path: string, record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (typeof value !== "string") throw new CorruptMetadataError(path, `"${key}" is not a string`);
  return value;
}

export function recordLabels(path: string, value: unknown, key = "labels"): Record<string, string> {
  if (value === undefined) return {};
  if (!isStringMap(value)) throw new CorruptMetadataError(path, `"${key}" is not an object of strings`);
  return { ...value };
}

export function recordDescriptor(path: string, value: unknown, key: string): Descriptor {
  if (!isDescriptor(value)) throw new CorruptMetadataError(path, `"${key}" is not a descriptor with mediaType, digest and size`);
  return value;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}

export function isDescriptor(value: unknown): value is Descriptor {
  if (typeof value !== "object" || value === null) return false;
  const d = value as Record<string, unknown>;
  return typeof d.mediaType === "string" && isDigest(d.digest) && typeof d.size === "number" && Number.isSafeInteger(d.size) && d.size >= 0;
}

// Argument checks for the public API, reported as InvalidArgumentError naming the value.

export function checkDate(what: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidArgumentError(what, value, "a valid Date");
  return value;
}

export function checkLabels(what: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidArgumentError(what, value, "an object of string values");
  for (const [key, v] of Object.entries(value)) {
    if (key.length === 0) throw new InvalidArgumentError(`${what} key`, key, "a non-empty string");
    if (typeof v !== "string") throw new InvalidArgumentError(`${what} value for "${key}"`, v, "a string");
  }
  return { ...(value as Record<string, string>) };
}

export function checkDescriptor(what: string, value: unknown): Descriptor {
  if (!isDescriptor(value)) throw new InvalidArgumentError(what, value, 'a descriptor { mediaType: string, digest: "sha256:<hex>", size: non-negative integer }');
  return value;
}
