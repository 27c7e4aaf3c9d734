import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";

/** What a cache export left: the directory's files, or the error the export failed with. */
export interface CacheDir {
  readonly error?: string;
  /** Path in the directory → bytes. */
  readonly files: ReadonlyMap<string, Buffer>;
}

export interface CacheDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export async function readCacheDir(dir: string, root = dir, out = new Map<string, Buffer>()): Promise<Map<string, Buffer>> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await readCacheDir(path, root, out);
    else out.set(relative(root, path), await readFile(path));
  }
  return out;
}

export function fingerprint(cache: CacheDir): string {
  const files = [...cache.files].map(([path, bytes]) => `${path} ${createHash("sha256").update(bytes).digest("hex")}`).sort();
  return [`error ${cache.error ?? "none"}`, ...files].join("\n");
}

export function json<T>(cache: CacheDir, path: string): T {
  const bytes = cache.files.get(path);
  if (!bytes) throw new Error(`${path} is not in the cache directory`);
  return JSON.parse(bytes.toString("utf8")) as T;
}

/** The index.json entry of a tag. */
export function entry(cache: CacheDir, tag = "latest"): CacheDescriptor {
  const found = json<{ manifests: CacheDescriptor[] }>(cache, "index.json").manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!found) throw new Error(`no ${tag} entry in index.json`);
  return found;
}

/** The cache manifest (an image manifest, or an index with image-manifest=false) of a tag. */
export function cacheManifest(cache: CacheDir, tag = "latest"): { mediaType: string; layers?: CacheDescriptor[]; manifests?: CacheDescriptor[]; config?: CacheDescriptor } {
  return json(cache, join("blobs", ...entry(cache, tag).digest.split(":")));
}

/** The layer descriptors of the cache, whichever form it has. */
export function cacheLayers(cache: CacheDir): CacheDescriptor[] {
  const m = cacheManifest(cache);
  return m.layers ?? (m.manifests ?? []).filter((d) => !d.mediaType.includes("cacheconfig"));
}

/** The cache config's records (with `results` for mode=max on every one). */
export function cacheConfig(cache: CacheDir): { records: Array<{ results?: unknown[]; digest: string }> } {
  const m = cacheManifest(cache);
  const config = m.config ?? (m.manifests ?? []).find((d) => d.mediaType.includes("cacheconfig"));
  return json(cache, join("blobs", ...config!.digest.split(":")));
}
