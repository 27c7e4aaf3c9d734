import * as v from "valibot";
import { ExpError } from "@exp/errors";
import { closedObject, describeIssue, isDigest, type Digest } from "@exp/oci-spec";
import { parentOf } from "./sort-config.js";
import type { CacheConfig } from "./types.js";

/** BuildKit reads cache manifests and configs with a 1 MiB limit; a larger config cannot be imported by it. */
export const maxCacheConfigBytes = 1024 * 1024;

export class InvalidCacheConfigError extends ExpError {
  constructor(reason: string) {
    super("ERR_INVALID_CACHE_CONFIG", `invalid BuildKit cache config: ${reason}`);
  }
}

function notADigest(value: unknown): string {
  if (value === undefined) return "missing, expected a digest";
  if (typeof value === "string") return "not a digest";
  return `not a digest: expected a string, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`;
}

const digest = v.custom<Digest>(isDigest, (issue) => notADigest(issue.input));
const index = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const schema = closedObject({
  layers: v.optional(
    v.array(
      closedObject({
        blob: digest,
        parent: v.optional(v.pipe(v.number(), v.safeInteger())),
        annotations: v.optional(closedObject({ mediaType: v.string(), diffID: digest, size: index, createdAt: v.string() })),
      }),
    ),
  ),
  records: v.array(
    closedObject({
      digest,
      inputs: v.optional(v.array(v.array(closedObject({ selector: v.optional(v.string()), link: index })))),
      layers: v.optional(v.array(closedObject({ layer: index, createdAt: v.optional(v.string()) }))),
      chains: v.optional(v.array(closedObject({ layers: v.array(index), createdAt: v.optional(v.string()) }))),
    }),
  ),
});

/**
 * Parses and checks a cache config: every index in range, parents forming chains without cycles,
 * and (like BuildKit's importer) at most 1 MiB. Trailing data after the JSON is an error, as in
 * BuildKit's S3 importer.
 */
export function parseCacheConfig(input: Uint8Array | string): CacheConfig {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
  if (Buffer.byteLength(text) > maxCacheConfigBytes) throw new InvalidCacheConfigError(`${Buffer.byteLength(text)} bytes is over BuildKit's ${maxCacheConfigBytes}-byte limit`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidCacheConfigError(`not JSON (${(error as Error).message})`);
  }
  const parsed = v.safeParse(schema, json, { message: describeIssue });
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new InvalidCacheConfigError(`${issue.path?.map((item) => String(item.key)).join(".") || "(root)"}: ${issue.message}`);
  }
  const config = parsed.output as CacheConfig;
  const layers = config.layers ?? [];
  layers.forEach((layer, i) => {
    const parent = parentOf(layer);
    if (parent < -1 || parent >= layers.length || parent === i) throw new InvalidCacheConfigError(`layers[${i}].parent ${parent} is not a layer index`);
  });
  for (let i = 0; i < layers.length; i++) {
    const seen = new Set<number>();
    for (let at = i; at !== -1; at = parentOf(layers[at]!)) {
      if (seen.has(at)) throw new InvalidCacheConfigError(`layers[${i}] has a parent cycle`);
      seen.add(at);
    }
  }
  config.records.forEach((record, r) => {
    for (const alternatives of record.inputs ?? []) {
      for (const input of alternatives) if (input.link >= config.records.length) throw new InvalidCacheConfigError(`records[${r}] links to record ${input.link}, which does not exist`);
    }
    for (const result of record.layers ?? []) if (result.layer >= layers.length) throw new InvalidCacheConfigError(`records[${r}] names layer ${result.layer}, which does not exist`);
    for (const chain of record.chains ?? []) for (const l of chain.layers) if (l >= layers.length) throw new InvalidCacheConfigError(`records[${r}] chains layer ${l}, which does not exist`);
  });
  return config;
}

/** The blobs of the chain ending at layer `index`, base first. */
export function chainOf(config: CacheConfig, index: number): Digest[] {
  const layers = config.layers ?? [];
  const chain: Digest[] = [];
  for (let at = index; at !== -1; at = parentOf(layers[at]!)) chain.unshift(layers[at]!.blob);
  return chain;
}
