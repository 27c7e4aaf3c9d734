import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { resolveCacheImporter } from "@exp/cli";
import { ProgressReporter, type CacheImporterInstance } from "@exp/solver";
import { sha256 } from "./oci-image.js";
import type { Sandbox } from "./sandbox.js";

// A copy of the previous build's local cache (index.json -> cache manifest -> cache config and
// layers) that a case edits document by document. Every edited document is stored under its
// new digest and its parent re-pointed, unless the case asks to keep the old name (a lie).

type Json = Record<string, unknown>;

export interface CacheEdit {
  /** Returns the new config (object, or raw bytes). */
  config?: (config: Json) => Json | Buffer;
  /** Store the new config bytes under the old config digest (a blob that is not what its name says). */
  configKeepsDigest?: boolean;
  /** Returns the new manifest (object, or raw bytes). */
  manifest?: (manifest: Json) => Json | Buffer | null;
  /** Removes these blobs after the edits: "manifest", "config" or "layer" (the first one). */
  remove?: ReadonlyArray<"manifest" | "config" | "layer">;
  /** Replaces the first layer's bytes in place. */
  layer?: (bytes: Buffer) => Buffer;
  /** Replaces index.json's text. */
  index?: (text: string) => string;
}

const blobPath = (dir: string, digest: string) => join(dir, "blobs", "sha256", digest.slice("sha256:".length));
const bytesOf = (value: Json | Buffer | null) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)));

/** Copies the sandbox's previous cache to `<root>/<name>`, applies the edit and returns the copy's path. */
export async function editedCache(sb: Sandbox, edit: CacheEdit, name = "cache-in"): Promise<string> {
  const dir = sb.path(name);
  await cp(sb.dest.cache, dir, { recursive: true });
  const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as { manifests: Array<{ digest: string; size: number }> };
  const root = index.manifests[0]!;
  const manifest = JSON.parse(await readFile(blobPath(dir, root.digest), "utf8")) as Json & { config: { digest: string; size: number }; layers: Array<{ digest: string }> };
  const config = JSON.parse(await readFile(blobPath(dir, manifest.config.digest), "utf8")) as Json;
  const firstLayer = manifest.layers[0]!.digest;
  if (edit.config) {
    const bytes = bytesOf(edit.config(config));
    if (edit.configKeepsDigest) await writeFile(blobPath(dir, manifest.config.digest), bytes);
    else {
      manifest.config = { ...manifest.config, digest: sha256(bytes), size: bytes.length };
      await writeFile(blobPath(dir, manifest.config.digest), bytes);
    }
  }
  if (edit.config || edit.manifest) {
    const bytes = bytesOf(edit.manifest ? edit.manifest(manifest) : manifest);
    root.digest = sha256(bytes);
    root.size = bytes.length;
    await writeFile(blobPath(dir, root.digest), bytes);
  }
  if (edit.layer) await writeFile(blobPath(dir, firstLayer), edit.layer(await readFile(blobPath(dir, firstLayer))));
  const text = JSON.stringify(index);
  await writeFile(join(dir, "index.json"), edit.index ? edit.index(text) : text);
  for (const which of edit.remove ?? []) {
    await rm(blobPath(dir, which === "manifest" ? root.digest : which === "config" ? manifest.config.digest : firstLayer));
  }
  return dir;
}

/** The local importer's load() of `src`, as `--cache-from type=local,src=<src>` runs it, in a scratch store. */
export async function loadLocalCache(sb: Sandbox, src: string): Promise<unknown> {
  const importer = (await resolveCacheImporter("local", { cwd: sb.root })).resolve({ src }) as CacheImporterInstance;
  const store = await openContentStore(sb.path("direct-store"));
  try {
    return await importer.load({ store, progress: ProgressReporter.root(undefined), signal: new AbortController().signal });
  } finally {
    await rm(sb.path("direct-store"), { recursive: true, force: true });
  }
}
