import { createWriteStream } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { tempPathFor, writeFileAtomic, type ContentStore } from "@exp/content";
import { OCI_IMAGE_INDEX, isIndexMediaType, isManifestMediaType, parseImageLayoutIndex, type Descriptor } from "@exp/oci-spec";
import { withLayoutLock } from "./layout-lock.js";

function blobPath(dest: string, digest: string): string {
  const [algorithm, hex] = digest.split(":") as [string, string];
  return join(dest, "blobs", algorithm, hex);
}


/**
 * Writes a cache into an OCI layout directory as BuildKit's client does: the blobs (ones already
 * there are kept; new ones are verified as they stream from the store and renamed into place), the
 * `oci-layout` file, and the `index.json` entry named `org.opencontainers.image.ref.name=<tag>`,
 * replacing any entry of that tag, under a lock. `reset` then deletes every blob no entry of
 * index.json references, so the directory stops growing forever.
 */
export async function writeCacheDir(store: ContentStore, dest: string, root: Descriptor, blobs: readonly Descriptor[], options: { tag: string; reset: boolean; signal: AbortSignal }): Promise<void> {
  for (const blob of [...blobs, root]) {
    const path = blobPath(dest, blob.digest);
    if ((await stat(path).catch(() => undefined))?.size === blob.size) continue;
    await mkdir(dirname(path), { recursive: true });
    // A name of its own: several exports (in this process too) may write the same blob at once.
    const temp = tempPathFor(path);
    await pipeline(await store.read(blob.digest, { signal: options.signal }), createWriteStream(temp, { mode: 0o444 }), { signal: options.signal });
    await rename(temp, path);
  }
  await writeFileAtomic(join(dest, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await withLayoutLock(join(dest, "index.json.lock"), options.signal, async () => {
    const existing = await readFile(join(dest, "index.json"), "utf8").then(
      (text) => parseImageLayoutIndex(text).manifests as Descriptor[],
      () => [] as Descriptor[],
    );
    const entry: Descriptor = { ...root, annotations: { "org.opencontainers.image.ref.name": options.tag } };
    const manifests = [...existing.filter((d) => d.annotations?.["org.opencontainers.image.ref.name"] !== options.tag), entry];
    await writeFileAtomic(join(dest, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests }));
    if (options.reset) await removeUnreferenced(dest, manifests);
  });
}

/** Deletes the blobs that no index.json entry reaches (through manifests and indexes). */
async function removeUnreferenced(dest: string, entries: readonly Descriptor[]): Promise<void> {
  const keep = new Set<string>();
  const visit = async (descriptor: Descriptor): Promise<void> => {
    if (keep.has(descriptor.digest)) return;
    keep.add(descriptor.digest);
    if (!isManifestMediaType(descriptor.mediaType) && !isIndexMediaType(descriptor.mediaType)) return;
    const document = JSON.parse(await readFile(blobPath(dest, descriptor.digest), "utf8")) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
    for (const child of [...(document.config ? [document.config] : []), ...(document.layers ?? []), ...(document.manifests ?? [])]) await visit(child);
  };
  for (const entry of entries) await visit(entry);
  const dir = join(dest, "blobs", "sha256");
  for (const name of await readdir(dir)) {
    // A temp file is another export's blob on its way in (blobs are written outside the lock).
    if (name.endsWith(".tmp")) continue;
    if (!keep.has(`sha256:${name}`)) await rm(join(dir, name), { force: true });
  }
}
