import { z } from "zod";
import { ExpError } from "@exp/errors";
import { isDigest, type Digest } from "@exp/oci-spec";
import { parentOf } from "./sort-config.js";
import type { CacheConfig } from "./types.js";

/** BuildKit reads cache manifests and configs with a 1 MiB limit; a larger config cannot be imported by it. */
export const maxCacheConfigBytes = 1024 * 1024;

export class InvalidCacheConfigError extends ExpError {
  constructor(reason: string) {
    super("ERR_INVALID_CACHE_CONFIG", `invalid BuildKit cache config: ${reason}`);
  }
}

const digest = z.string().refine(isDigest, "not a digest").transform((d) => d as Digest);
const schema = z.object({
  layers: z
    .array(
      z.object({
        blob: digest,
        parent: z.number().int().optional(),
        annotations: z.object({ mediaType: z.string(), diffID: digest, size: z.number().int().nonnegative(), createdAt: z.string() }).optional(),
      }),
    )
    .optional(),
  records: z.array(
    z.object({
      digest,
      inputs: z.array(z.array(z.object({ selector: z.string().optional(), link: z.number().int().nonnegative() }))).optional(),
      layers: z.array(z.object({ layer: z.number().int().nonnegative(), createdAt: z.string().optional() })).optional(),
      chains: z.array(z.object({ layers: z.array(z.number().int().nonnegative()), createdAt: z.string().optional() })).optional(),
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
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidCacheConfigError(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const config = parsed.data as CacheConfig;
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
