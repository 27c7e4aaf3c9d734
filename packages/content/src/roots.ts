import { link, rename, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { isTempName, tempPathFor, writeFileAtomic } from "./atomic-write.js";
import { CorruptMetadataError } from "./errors.js";
import { hasCode, isNotFound, listDir, removeFile } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { checkName } from "./names.js";
import { checkDescriptor, readJsonRecord, recordDescriptor, recordString } from "./records.js";

// Named roots ("image/docker.io/library/foo:latest" -> descriptor) keep content alive like
// containerd's image records: GC starts from each root's descriptor. One file per name.

export async function setRoot(layout: Layout, name: string, descriptor: Descriptor, signal?: AbortSignal): Promise<void> {
  checkName("root name", name);
  const checked = checkDescriptor(`descriptor for root ${JSON.stringify(name)}`, descriptor);
  throwIfAborted(signal, `setting root ${JSON.stringify(name)}`);
  await writeFileAtomic(layout.rootPath(name), JSON.stringify({ name, descriptor: checked }) + "\n", { signal });
}

/**
 * The root's descriptor. With `touch`, the file's times are set to now first: a root's mtime is
 * when it was last set or used, which prune reads to keep what builds still use (a build cache
 * record is used by reading its root). Touching before reading is what makes a conditional
 * deleteRoot safe against this reader: a remover that moves the root aside after the touch sees
 * the new mtime and puts it back, and one that moves it before finds the read coming back empty
 * (a cache miss), never a root that is gone once the caller relies on it. Best effort: a store on a
 * read-only mount or owned by someone else still reads.
 */
export async function getRoot(layout: Layout, name: string, options: { touch?: boolean } = {}): Promise<Descriptor | undefined> {
  const path = layout.rootPath(checkName("root name", name));
  if (options.touch) {
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
  }
  return (await readRootAt(path))?.descriptor;
}

/** The entry in one file; undefined when the file does not exist, CorruptMetadataError when it does not parse. */
export async function readRootAt(path: string): Promise<{ name: string; descriptor: Descriptor } | undefined> {
  const record = await readJsonRecord(path);
  if (!record) return undefined;
  return { name: recordString(path, record, "name"), descriptor: recordDescriptor(path, record.descriptor, "descriptor") };
}

/** What a conditional deleteRoot checks: the root still names `digest`, and was not used after `unusedSince`. */
export interface RootCondition {
  digest?: Digest;
  unusedSince?: Date;
}

/**
 * Removes the root; false when there was none. With a condition, only while it holds: the file is
 * first moved aside (an atomic rename, so the one it moves is the current one), read, and moved
 * back if it names another digest (a build set the name again since the caller looked) or was
 * touched after `unusedSince` (a build read it since: see getRoot) — that root is kept. The
 * moved-aside file has a temp name, which gc reads as a root while its remover runs (see
 * listRootsForGc), so no gc in another process collects what it names during that moment.
 */
export async function deleteRoot(layout: Layout, name: string, condition: RootCondition = {}): Promise<boolean> {
  const path = layout.rootPath(checkName("root name", name));
  if (condition.digest === undefined && condition.unusedSince === undefined) return removeFile(path);
  const parked = tempPathFor(path);
  try {
    await rename(path, parked);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  let holds: boolean;
  try {
    const entry = await readRootAt(parked);
    const usedAt = (await stat(parked)).mtime;
    holds =
      entry !== undefined &&
      (condition.digest === undefined || entry.descriptor.digest === condition.digest) &&
      (condition.unusedSince === undefined || usedAt.getTime() <= condition.unusedSince.getTime());
  } catch (error) {
    await restoreRoot(parked, path);
    throw error;
  }
  if (holds) {
    await removeFile(parked);
    return true;
  }
  await restoreRoot(parked, path);
  return false;
}

/** Puts a moved-aside root back unless the name was set again meanwhile (link never replaces). */
async function restoreRoot(parked: string, path: string): Promise<void> {
  try {
    await link(parked, path);
  } catch (error) {
    if (!hasCode(error, "EEXIST")) throw error;
  }
  await removeFile(parked);
}

/** Sorted by name. */
export async function listRoots(layout: Layout, signal?: AbortSignal): Promise<Array<{ name: string; descriptor: Descriptor }>> {
  const roots: Array<{ name: string; descriptor: Descriptor }> = [];
  for (const file of await listDir(layout.rootsDir)) {
    if (isTempName(file) || !file.endsWith(".json")) continue;
    throwIfAborted(signal, "listing roots");
    const entry = await readRootAt(join(layout.rootsDir, file));
    if (entry) roots.push(entry);
  }
  return roots.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A root with the time it was last set or used (its file's mtime, see getRoot). */
export interface RootUse {
  name: string;
  descriptor: Descriptor;
  lastUsedAt: Date;
}

/** Sorted by name, with when each was last set or used. */
export async function listRootUses(layout: Layout, signal?: AbortSignal): Promise<RootUse[]> {
  const uses: RootUse[] = [];
  for (const { name, descriptor } of await listRoots(layout, signal)) {
    const info = await stat(layout.rootPath(name)).catch((error: unknown) => {
      if (isNotFound(error)) return undefined; // removed since the listing
      throw error;
    });
    if (info) uses.push({ name, descriptor, lastUsedAt: info.mtime });
  }
  return uses;
}

/**
 * The roots gc must keep: every root, plus the descriptors in complete temp files of the roots
 * directory — a root that deleteRoot moved aside to compare it, or one being set right now.
 * Counting them only keeps more; a temp file that does not parse (a write in progress) is
 * skipped, since its writer holds what it names under a lease until it is in place.
 */
export async function listRootsForGc(layout: Layout, signal?: AbortSignal): Promise<Descriptor[]> {
  const descriptors = (await listRoots(layout, signal)).map((r) => r.descriptor);
  for (const file of await listDir(layout.rootsDir)) {
    if (!isTempName(file)) continue;
    throwIfAborted(signal, "listing roots");
    try {
      const entry = await readRootAt(join(layout.rootsDir, file));
      if (entry) descriptors.push(entry.descriptor);
    } catch (error) {
      if (!(error instanceof CorruptMetadataError)) throw error;
    }
  }
  return descriptors;
}
