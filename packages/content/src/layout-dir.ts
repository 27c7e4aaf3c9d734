import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { orAbsent } from "@exp/errors";
import { OCI_IMAGE_INDEX, parseDigest, parseImageLayoutIndex, type Descriptor, type Digest } from "@exp/oci-spec";
import { tempPathFor, writeFileAtomic } from "./atomic-write.js";
import { withLayoutLock } from "./layout-lock.js";
import type { ContentStore } from "./types.js";

/** `<dir>/blobs/<alg>/<hex>` of an OCI image layout. */
export function layoutBlobPath(dir: string, digest: Digest | string): string {
  const { algorithm, hex } = parseDigest(digest);
  return join(dir, "blobs", algorithm, hex);
}

/**
 * Copies blobs out of the store into an OCI image layout directory (an `oci` export with
 * tar=false, a local cache). A blob already there is kept: a layout is content addressed, so
 * several exports can share one. New ones stream from the store (which verifies them) into a temp
 * file of their own and are renamed into place, so concurrent writers of one blob never collide.
 */
export async function writeLayoutBlobs(store: ContentStore, dir: string, blobs: readonly Descriptor[], options: { signal: AbortSignal }): Promise<void> {
  for (const blob of blobs) {
    const path = layoutBlobPath(dir, blob.digest);
    // Only "not there" means "write it": a path that cannot be stat'ed (ELOOP, EACCES) is reported.
    if ((await orAbsent(stat(path), "stat", path))?.size === blob.size) continue;
    await mkdir(dirname(path), { recursive: true });
    const temp = tempPathFor(path);
    await pipeline(await store.read(blob.digest, { signal: options.signal }), createWriteStream(temp, { mode: 0o444 }), { signal: options.signal });
    await rename(temp, path);
  }
}

/**
 * Rewrites a layout's `index.json` (and its `oci-layout` file) under `index.json.lock`, so two
 * exports into one directory never lose each other's entries: `update` gets the current entries
 * and returns the new ones; the file is replaced atomically.
 */
export async function updateLayoutIndex(dir: string, update: (entries: Descriptor[]) => Descriptor[] | Promise<Descriptor[]>, options: { signal: AbortSignal }): Promise<Descriptor[]> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  return withLayoutLock(join(dir, "index.json.lock"), options.signal, async () => {
    // Only a missing index.json starts an empty one: any other failure to read it (a symlink loop,
    // EIO) would otherwise write over the entries it holds.
    const indexPath = join(dir, "index.json");
    const text = await orAbsent(readFile(indexPath, "utf8"), "read", indexPath, { expected: "the layout's index.json, a regular file, or nothing" });
    const existing = text === undefined ? [] : (parseImageLayoutIndex(text).manifests as Descriptor[]);
    const entries = await update(existing);
    await writeFileAtomic(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: entries }));
    return entries;
  });
}
