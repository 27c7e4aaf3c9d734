import { chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { layoutBlobPath, updateLayoutIndex, writeLayoutBlobs, type ContentStore } from "@exp/content";
import { throwIfAborted } from "@exp/errors";
import { isIndexMediaType, isManifestMediaType, parseImageLayoutIndex, type Descriptor } from "@exp/oci-spec";

interface WriteCacheOptions {
  tag: string;
  reset: boolean;
  signal: AbortSignal;
}

/**
 * Writes a cache into an OCI layout directory as BuildKit's client does: the blobs, and the
 * `index.json` entry named `org.opencontainers.image.ref.name=<tag>`, replacing any entry of that
 * tag, under the layout's lock. `reset` then deletes every blob no entry of index.json references,
 * so the directory stops growing forever.
 *
 * A directory that does not exist yet is built whole beside it and renamed into place, so a failed
 * or aborted export leaves no half-written cache behind (a directory without index.json that the
 * next import would trip over). An existing one is written in place: blobs first, index.json
 * last, so until the index names them, new blobs are only unreferenced files.
 */
export async function writeCacheDir(store: ContentStore, dest: string, root: Descriptor, blobs: readonly Descriptor[], options: WriteCacheOptions): Promise<void> {
  throwIfAborted(options.signal, "writing the cache directory");
  if (await stat(dest).then(() => true, () => false)) return writeInto(store, dest, root, blobs, options);
  await mkdir(dirname(dest), { recursive: true });
  const aside = await mkdtemp(join(dirname(dest), `.${basename(dest)}.exp-`));
  try {
    await writeInto(store, aside, root, blobs, options);
    await chmod(aside, 0o755);
    // Past this check the export commits: an abort during the rename no longer undoes it.
    throwIfAborted(options.signal, "writing the cache directory");
    const placed = await rename(aside, dest).then(
      () => true,
      (error: unknown) => {
        // Made meanwhile by another export into the same directory: add ours to it.
        if (["EEXIST", "ENOTEMPTY"].includes((error as NodeJS.ErrnoException).code ?? "")) return false;
        throw error;
      },
    );
    if (!placed) await writeInto(store, dest, root, blobs, options);
  } finally {
    await rm(aside, { recursive: true, force: true });
  }
}

async function writeInto(store: ContentStore, dest: string, root: Descriptor, blobs: readonly Descriptor[], options: WriteCacheOptions): Promise<void> {
  // An index.json that cannot be merged fails the export before any blob lands beside it, so a
  // damaged cache directory is left exactly as it was.
  const existing = await readFile(join(dest, "index.json"), "utf8").catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  });
  if (existing !== undefined) parseImageLayoutIndex(existing);
  await writeLayoutBlobs(store, dest, [...blobs, root], { signal: options.signal });
  await updateLayoutIndex(
    dest,
    async (existing) => {
      const entry: Descriptor = { ...root, annotations: { "org.opencontainers.image.ref.name": options.tag } };
      const manifests = [...existing.filter((d) => d.annotations?.["org.opencontainers.image.ref.name"] !== options.tag), entry];
      if (options.reset) await removeUnreferenced(dest, manifests);
      return manifests;
    },
    { signal: options.signal },
  );
}

/** Deletes the blobs that no index.json entry reaches (through manifests and indexes). */
async function removeUnreferenced(dest: string, entries: readonly Descriptor[]): Promise<void> {
  const keep = new Set<string>();
  const visit = async (descriptor: Descriptor): Promise<void> => {
    if (keep.has(descriptor.digest)) return;
    keep.add(descriptor.digest);
    if (!isManifestMediaType(descriptor.mediaType) && !isIndexMediaType(descriptor.mediaType)) return;
    const document = JSON.parse(await readFile(layoutBlobPath(dest, descriptor.digest), "utf8")) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
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
