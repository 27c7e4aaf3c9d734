import { ExpError } from "@exp/errors";
import type { GoField, GoType, TypedValue } from "./go-types.js";

/** A document that does not fit the Go type buildx decodes it into (json.Unmarshal would fail too). */
export class GoDecodeError extends ExpError {
  constructor(what: string, path: string, expected: string, got: unknown) {
    super("ERR_IMAGETOOLS_DOCUMENT", `${what}: ${path || "the document"} should be ${expected}, but is ${describe(got)}`, { fault: "server" });
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * json.Unmarshal into a Go type: unknown keys dropped, keys matched exactly first and else without
 * regard to case (as encoding/json does), absent fields left at their zero value, and a JSON null
 * leaving a non-pointer field at its zero value. `what` names the document in errors.
 */
export function goDecode(type: GoType, json: unknown, what: string, path = ""): unknown {
  const fail = (expected: string): never => {
    throw new GoDecodeError(what, path, expected, json);
  };
  switch (type.kind) {
    case "string":
      if (json === null) return "";
      return typeof json === "string" ? json : fail("a string");
    case "int":
      if (json === null) return 0;
      return typeof json === "number" && Number.isInteger(json) ? json : fail("an integer");
    case "bool":
      if (json === null) return false;
      return typeof json === "boolean" ? json : fail("a boolean");
    case "time":
      return typeof json === "string" ? goTime(json) ?? fail("an RFC 3339 time") : fail("an RFC 3339 time");
    case "bytes":
      if (json === null) return null;
      return typeof json === "string" ? json : fail("base64 text");
    case "any":
      return json;
    case "iface":
      return fail("a typed value (internal)");
    case "ptr":
      return json === null ? null : goDecode(type.elem, json, what, path);
    case "slice":
      if (json === null) return null;
      if (!Array.isArray(json)) return fail("an array");
      return json.map((item, i) => goDecode(type.elem, item, what, `${path}[${i}]`));
    case "map": {
      if (json === null) return null;
      if (!isObject(json)) return fail("an object");
      const out = new Map<string, unknown>();
      for (const [key, value] of Object.entries(json)) out.set(key, goDecode(type.elem, value, what, `${path}.${key}`));
      return out;
    }
    case "struct": {
      const out = goZero(type) as Record<string, unknown>;
      if (json === null) return out;
      if (!isObject(json)) return fail("an object");
      for (const [key, value] of Object.entries(json)) {
        const target = fieldForKey(type.fields, key);
        if (target) out[target.name] = goDecode(target.type, value, what, path ? `${path}.${key}` : key);
      }
      return out;
    }
  }
}

function fieldForKey(fields: readonly GoField[], key: string): GoField | undefined {
  const data = fields.filter((f) => !f.method);
  return data.find((f) => f.json === key) ?? data.find((f) => f.json.toLowerCase() === key.toLowerCase());
}

/** The zero value of a Go type, as these values are represented here. */
export function goZero(type: GoType): unknown {
  switch (type.kind) {
    case "string":
      return "";
    case "int":
      return 0;
    case "bool":
      return false;
    case "struct":
      return Object.fromEntries(type.fields.filter((f) => !f.method).map((f) => [f.name, goZero(f.type)]));
    default:
      return null;
  }
}

/**
 * A time as time.Time re-prints it (RFC3339Nano): trailing zeros of the fraction dropped, a zero
 * offset written Z. Undefined for text Go's time.Parse would refuse.
 */
function goTime(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const fraction = (match[2] ?? "").slice(0, 9).replace(/0+$/, "");
  const zone = match[3] === "+00:00" || match[3] === "-00:00" ? "Z" : match[3]!;
  return `${match[1]}${fraction ? `.${fraction}` : ""}${zone}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON tree with its key order fixed, ready to print. */
type JsonNode = { readonly text: string } | { readonly items: readonly JsonNode[] } | { readonly entries: ReadonlyArray<readonly [string, JsonNode]> };

/** json.MarshalIndent(v, "", "  ") of a typed value, byte for byte. */
export function goMarshalIndent(value: TypedValue): string {
  return print(toNode(value.type, value.value), "");
}

function toNode(type: GoType, value: unknown): JsonNode {
  switch (type.kind) {
    case "string":
    case "time":
      return { text: goQuote(value as string) };
    case "int":
      return { text: String(value) };
    case "bool":
      return { text: value ? "true" : "false" };
    case "bytes":
      return value === null ? { text: "null" } : { text: goQuote(value as string) };
    case "any":
      return anyNode(value);
    case "iface":
      return value === null ? { text: "null" } : toNode((value as TypedValue).type, (value as TypedValue).value);
    case "ptr":
      return value === null ? { text: "null" } : toNode(type.elem, value);
    case "slice":
      return value === null ? { text: "null" } : { items: (value as unknown[]).map((item) => toNode(type.elem, item)) };
    case "map":
      if (value === null) return { text: "null" };
      // encoding/json writes map keys sorted.
      return { entries: [...(value as Map<string, unknown>).entries()].sort(([a], [b]) => compareStrings(a, b)).map(([k, v]) => [k, toNode(type.elem, v)] as const) };
    case "struct": {
      const record = value as Record<string, unknown>;
      const entries: Array<readonly [string, JsonNode]> = [];
      for (const f of type.fields) {
        if (f.method) continue;
        const v = record[f.name];
        if (f.omitempty && isEmpty(f.type, v)) continue;
        entries.push([f.json, toNode(f.type, v)]);
      }
      return { entries };
    }
  }
}

/** encoding/json's isEmptyValue: what omitempty leaves out (never a struct). */
function isEmpty(type: GoType, value: unknown): boolean {
  switch (type.kind) {
    case "string":
      return value === "";
    case "int":
      return value === 0;
    case "bool":
      return value === false;
    case "slice":
      return value === null || (value as unknown[]).length === 0;
    case "map":
      return value === null || (value as Map<string, unknown>).size === 0;
    case "bytes":
      return value === null || value === "";
    case "struct":
      return false;
    default:
      return value === null || value === undefined;
  }
}

/** A map[string]interface{} value: objects with sorted keys, numbers as float64 prints them. */
function anyNode(value: unknown): JsonNode {
  if (value === null || value === undefined) return { text: "null" };
  if (Array.isArray(value)) return { items: value.map(anyNode) };
  if (isObject(value)) return { entries: Object.keys(value).sort(compareStrings).map((k) => [k, anyNode(value[k])] as const) };
  if (typeof value === "string") return { text: goQuote(value) };
  // float64's shortest form, exponent from 1e21 and below 1e-6: the same as JavaScript's.
  return { text: JSON.stringify(value) };
}

/** Go compares strings byte-wise (UTF-8); for UTF-16 code units that order differs only past U+FFFF. */
function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** A JSON string as encoding/json writes it: HTML-safe (<, >, & escaped) and U+2028/U+2029 escaped. */
export function goQuote(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function print(node: JsonNode, indent: string): string {
  if ("text" in node) return node.text;
  const inner = `${indent}  `;
  if ("items" in node) {
    if (node.items.length === 0) return "[]";
    return `[\n${node.items.map((item) => inner + print(item, inner)).join(",\n")}\n${indent}]`;
  }
  if (node.entries.length === 0) return "{}";
  return `{\n${node.entries.map(([key, value]) => `${inner}${goQuote(key)}: ${print(value, inner)}`).join(",\n")}\n${indent}}`;
}
