import { mkdir, readFile, rename, stat } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { tempPathFor, writeFileAtomic, type ContentStore } from "@exp/content";
import { parseImageLayoutIndex, type Descriptor } from "@exp/oci-spec";
import { blobPath, indexJson, ociLayoutFile } from "./layout-files.js";

/**
 * `tar=false`: an OCI image layout directory. Blobs already there are kept (a layout is content
 * addressed, so several exports can share one); new ones are written to a temp file and renamed.
 * index.json is merged: entries with the same `io.containerd.image.name` (or, without names, the
 * same digest) are replaced, others kept; it is replaced atomically.
 */
export async function writeLayout(store: ContentStore, blobs: readonly Descriptor[], entries: readonly Descriptor[], dest: string, signal: AbortSignal): Promise<void> {
  for (const blob of blobs) {
    const path = join(dest, blobPath(blob));
    if ((await stat(path).catch(() => undefined))?.size === blob.size) continue;
    await mkdir(dirname(path), { recursive: true });
    const temp = tempPathFor(path);
    await pipeline(await store.read(blob.digest, { signal }), createWriteStream(temp, { mode: 0o444 }), { signal });
    await rename(temp, path);
  }
  await atomicWrite(join(dest, "oci-layout"), ociLayoutFile);
  const existing = await readFile(join(dest, "index.json"), "utf8").then(
    (text) => parseImageLayoutIndex(text).manifests as Descriptor[],
    () => [] as Descriptor[],
  );
  const key = (d: Descriptor) => d.annotations?.["io.containerd.image.name"] ?? d.digest;
  const replaced = new Set(entries.map(key));
  await atomicWrite(join(dest, "index.json"), indexJson([...existing.filter((d) => !replaced.has(key(d))), ...entries]));
}

async function atomicWrite(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, content);
}
