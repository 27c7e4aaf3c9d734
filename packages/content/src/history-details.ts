import { CorruptMetadataError, InvalidArgumentError } from "./errors.js";
import type { HistoryRecord, HistoryRequest, HistorySpec, HistoryStepCounts } from "./types.js";

// The optional parts of a history record (canceled, request, steps, warnings): checked when
// written, checked again when read, so a hand-edited file is reported by path. A record without
// them (an older one) reads as it always did.

type Details = Pick<HistoryRecord, "canceled" | "request" | "steps" | "warnings">;

const requestStrings = ["frontend", "context", "dockerfile", "target"] as const;
const requestSpecs = ["outputs", "cacheTo", "cacheFrom"] as const;

/** The details of `record`, checked, as they are written; InvalidArgumentError naming a bad value. */
export function serializeHistoryDetails(record: Details): Details {
  return checkDetails(record as Record<string, unknown>);
}

/** The details in a parsed record file; CorruptMetadataError naming the key when one is malformed. */
export function readHistoryDetails(path: string, raw: Record<string, unknown>): Details {
  try {
    return checkDetails(raw);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new CorruptMetadataError(path, error.message, error);
    throw error;
  }
}

function checkDetails(raw: Record<string, unknown>): Details {
  const details: Details = {};
  if (raw.canceled !== undefined) {
    if (typeof raw.canceled !== "boolean") throw new InvalidArgumentError("history canceled", raw.canceled, "a boolean");
    details.canceled = raw.canceled;
  }
  if (raw.request !== undefined) details.request = checkRequest(raw.request);
  if (raw.steps !== undefined) details.steps = checkSteps(raw.steps);
  if (raw.warnings !== undefined) details.warnings = checkStrings("history warnings", raw.warnings);
  return details;
}

function checkRequest(value: unknown): HistoryRequest {
  if (!isObject(value)) throw new InvalidArgumentError("history request", value, "an object");
  const request: HistoryRequest = {};
  for (const key of requestStrings) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== "string") throw new InvalidArgumentError(`history request.${key}`, v, "a string");
    request[key] = v;
  }
  if (value.platforms !== undefined) request.platforms = checkStrings("history request.platforms", value.platforms);
  if (value.buildArgs !== undefined) request.buildArgs = checkStringMap("history request.buildArgs", value.buildArgs);
  for (const key of requestSpecs) {
    const v = value[key];
    if (v === undefined) continue;
    if (!Array.isArray(v)) throw new InvalidArgumentError(`history request.${key}`, v, "an array of { type, attrs }");
    request[key] = v.map((spec: unknown, i: number) => checkSpec(`history request.${key}[${i}]`, spec));
  }
  return request;
}

function checkSpec(what: string, value: unknown): HistorySpec {
  if (!isObject(value) || typeof value.type !== "string") throw new InvalidArgumentError(what, value, "{ type: string, attrs: object of strings }");
  return { type: value.type, attrs: checkStringMap(`${what}.attrs`, value.attrs ?? {}) };
}

function checkSteps(value: unknown): HistoryStepCounts {
  if (!isObject(value)) throw new InvalidArgumentError("history steps", value, "{ total, completed, cached }");
  const count = (key: keyof HistoryStepCounts): number => {
    const v = value[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`history steps.${key}`, v, "a non-negative integer");
    return v;
  };
  return { total: count("total"), completed: count("completed"), cached: count("cached") };
}

function checkStrings(what: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw new InvalidArgumentError(what, value, "an array of strings");
  return [...(value as string[])];
}

function checkStringMap(what: string, value: unknown): Record<string, string> {
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === "string")) throw new InvalidArgumentError(what, value, "an object of strings");
  // Keys such as "__proto__" stay plain data.
  const map: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(map, k, { value: v, enumerable: true, writable: true, configurable: true });
  return map;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
