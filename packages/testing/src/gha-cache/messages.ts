import { TwirpError } from "./twirp.js";

/**
 * The request messages of cache.proto (actions/toolkit, src/generated/results/api/v1/cache.ts),
 * decoded from JSON the way a Twirp server's protojson decoder does: proto3 defaults for absent
 * fields (""/0/[]), proto field names (`size_bytes`, what both clients send) or their lowerCamel
 * JSON names (`sizeBytes`), unknown fields ignored. A value of the wrong JSON type cannot be decoded:
 * Twirp's `malformed` (400). The `metadata` field (CacheMetadata) is accepted and ignored: the scope
 * comes from the token, as on GitHub.
 */
export interface CreateCacheEntryRequest {
  key: string;
  version: string;
}

export interface FinalizeCacheEntryUploadRequest {
  key: string;
  version: string;
  sizeBytes: number;
}

export interface GetCacheEntryDownloadURLRequest {
  key: string;
  restoreKeys: string[];
  version: string;
}

/** actions/cache's validateKey: at most 512 characters, no commas (its keys list is comma-joined in v1). */
export const MAX_KEY_LENGTH = 512;

export function decodeCreate(body: unknown): CreateCacheEntryRequest {
  const message = asMessage(body);
  const request = { key: stringField(message, "key"), version: stringField(message, "version") };
  validateKey(request.key);
  requireVersion(request.version);
  return request;
}

export function decodeFinalize(body: unknown): FinalizeCacheEntryUploadRequest {
  const message = asMessage(body);
  const request = { key: stringField(message, "key"), version: stringField(message, "version"), sizeBytes: int64Field(message, "size_bytes", "sizeBytes") };
  if (request.key === "") throw new TwirpError("invalid_argument", "key is empty");
  requireVersion(request.version);
  if (request.sizeBytes < 0) throw new TwirpError("invalid_argument", `size_bytes is negative (${request.sizeBytes})`);
  return request;
}

export function decodeGetDownloadUrl(body: unknown): GetCacheEntryDownloadURLRequest {
  const message = asMessage(body);
  const request = { key: stringField(message, "key"), restoreKeys: stringListField(message, "restore_keys", "restoreKeys"), version: stringField(message, "version") };
  if (request.key === "") throw new TwirpError("invalid_argument", "key is empty");
  requireVersion(request.version);
  return request;
}

function validateKey(key: string): void {
  if (key === "") throw new TwirpError("invalid_argument", "key is empty");
  if (key.length > MAX_KEY_LENGTH) throw new TwirpError("invalid_argument", `key is ${key.length} characters long, more than ${MAX_KEY_LENGTH}`);
  if (key.includes(",")) throw new TwirpError("invalid_argument", `key ${JSON.stringify(key)} contains a comma`);
}

function requireVersion(version: string): void {
  if (version === "") throw new TwirpError("invalid_argument", "version is empty");
}

type Message = Record<string, unknown>;

function asMessage(body: unknown): Message {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new TwirpError("malformed", "the request body is not a JSON object");
  return body as Message;
}

/** A field by its proto name or its JSON (lowerCamel) name; null counts as absent, as in protojson. */
function field(message: Message, protoName: string, jsonName = protoName): unknown {
  return message[protoName] ?? message[jsonName] ?? undefined;
}

function stringField(message: Message, name: string): string {
  const value = field(message, name);
  if (value === undefined) return "";
  if (typeof value !== "string") throw new TwirpError("malformed", `${name} must be a string`);
  return value;
}

function stringListField(message: Message, protoName: string, jsonName: string): string[] {
  const value = field(message, protoName, jsonName);
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw new TwirpError("malformed", `${protoName} must be a list of strings`);
  return value as string[];
}

/**
 * An int64: protojson writes it as a decimal string (actions/toolkit sends `"size_bytes":"123"`)
 * and reads a string or a number (BuildKit's Go client sends `"size_bytes":123`).
 */
function int64Field(message: Message, protoName: string, jsonName: string): number {
  const value = field(message, protoName, jsonName);
  if (value === undefined) return 0;
  const number = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : typeof value === "number" ? value : NaN;
  if (!Number.isSafeInteger(number)) throw new TwirpError("malformed", `${protoName} must be an integer (a number or a decimal string), got ${JSON.stringify(value)}`);
  return number;
}
