import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * What a cache export left, for the option-table walk of a cache backend: its files (an OCI
 * layout's paths for the local and registry caches, object keys for S3), or the error the export
 * failed with. A registry cache is read back into a layout's shape (`layoutSnapshot`), so the
 * rows that read a cache manifest serve the local and registry caches alike.
 */
export interface CacheArtifact {
  readonly error?: string;
  /** Path (or object key) → bytes. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Facts the bytes cannot show (e.g. `touched <key>`), part of the fingerprint. */
  readonly facts?: readonly string[];
}

export interface CacheDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface CacheManifest {
  mediaType: string;
  layers?: CacheDescriptor[];
  manifests?: CacheDescriptor[];
  config?: CacheDescriptor;
}

/** Reads a directory into a CacheArtifact's files (a missing directory reads as empty). */
export async function readCacheDir(dir: string, root = dir, out = new Map<string, Buffer>()): Promise<Map<string, Buffer>> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await readCacheDir(path, root, out);
    else out.set(relative(root, path), await readFile(path));
  }
  return out;
}

/** Two exports differ iff their fingerprints do: the error, every file's hash, every fact. */
export function cacheFingerprint(cache: CacheArtifact): string {
  const files = [...cache.files].map(([path, bytes]) => `${path} ${createHash("sha256").update(bytes).digest("hex")}`).sort();
  return [`error ${cache.error ?? "none"}`, ...files, ...[...(cache.facts ?? [])].sort()].join("\n");
}

export function cacheJson<T>(cache: CacheArtifact, path: string): T {
  const bytes = cache.files.get(path);
  if (!bytes) throw new Error(`${path} is not in the cache`);
  return JSON.parse(bytes.toString("utf8")) as T;
}

/** A blob's path in an OCI layout. */
export function blobPath(digest: string): string {
  return join("blobs", ...digest.split(":"));
}

/** The index.json entry of a tag. */
export function cacheEntry(cache: CacheArtifact, tag = "latest"): CacheDescriptor {
  const found = cacheJson<{ manifests: CacheDescriptor[] }>(cache, "index.json").manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!found) throw new Error(`no ${tag} entry in index.json`);
  return found;
}

/** The cache manifest (an image manifest, or an index with image-manifest=false) of a tag. */
export function cacheManifest(cache: CacheArtifact, tag = "latest"): CacheManifest {
  return cacheJson(cache, blobPath(cacheEntry(cache, tag).digest));
}

/** The layer descriptors of the cache, whichever form it has. */
export function cacheLayers(cache: CacheArtifact): CacheDescriptor[] {
  const m = cacheManifest(cache);
  return m.layers ?? (m.manifests ?? []).filter((d) => !d.mediaType.includes("cacheconfig"));
}

/** The cache config's records (with `results` for mode=max on every one). */
export function cacheConfig(cache: CacheArtifact): { records: Array<{ results?: unknown[]; digest: string }> } {
  const m = cacheManifest(cache);
  const config = m.config ?? (m.manifests ?? []).find((d) => d.mediaType.includes("cacheconfig"));
  return cacheJson(cache, blobPath(config!.digest));
}

/**
 * The files of an OCI layout holding one manifest under `latest`, built from a manifest read
 * elsewhere (a registry) and the blobs it names: what a local cache export of it would hold.
 */
export function layoutSnapshot(root: { mediaType: string; bytes: Buffer }, blobs: ReadonlyMap<string, Buffer>): Map<string, Buffer> {
  const digest = `sha256:${createHash("sha256").update(root.bytes).digest("hex")}`;
  const index = { schemaVersion: 2, manifests: [{ mediaType: root.mediaType, digest, size: root.bytes.length, annotations: { "org.opencontainers.image.ref.name": "latest" } }] };
  const files = new Map<string, Buffer>([["index.json", Buffer.from(JSON.stringify(index))], [blobPath(digest), root.bytes]]);
  for (const [d, bytes] of blobs) files.set(blobPath(d), bytes);
  return files;
}
