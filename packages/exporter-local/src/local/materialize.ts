import type { Stats } from "node:fs";
import { copyFile, link, lstat, mkdir, rename, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { orAbsent, throwIfAborted } from "@exp/errors";
import { UnsafePathError } from "../errors.js";
import { applyPathMeta, applySymlinkMeta } from "../fsops/apply-meta.js";
import { removeOwnTree } from "../fsops/remove-own-tree.js";
import type { NodeMeta } from "../rootfs/node-meta.js";
import { walkTree, type DirNode } from "../rootfs/rootfs-tree.js";
import type { SpoolFile } from "../rootfs/spool.js";
import type { DirMetas } from "./dir-metas.js";
import { crossesFilesystems, placeEntry } from "./place-entry.js";
import { SafeParents } from "./safe-parents.js";

export interface MaterializeOptions {
  /** The directory written into: the destination itself, or a new directory swapped in afterwards. */
  out: string;
  /** A directory next to the destination (its filesystem) for links and symlinks made before they are renamed into place. */
  scratch: string;
  dirMetas: DirMetas;
  preserveOwnership: boolean;
  signal: AbortSignal;
}

/**
 * Writes the assembled tree into `out`, in walk order (parents first). Every path the result
 * has replaces what `out` holds there; everything else in `out` stays (mode=copy keeps it).
 * Nothing is ever written through an existing name: files arrive by renaming their spool file
 * (already carrying mode, times and owner), further hard-link names and symlinks are made in
 * scratch and renamed over the path, and rename replaces the name itself without following it.
 * A path below a filesystem mounted inside `out` gets a copy made beside it instead (placeEntry).
 */
export async function materialize(root: DirNode, options: MaterializeOptions): Promise<void> {
  const { out, scratch, dirMetas, preserveOwnership, signal } = options;
  const parents = new SafeParents(out);
  // A spool file is placed under its first name; later names (hard links) link to that one.
  const placed = new Map<SpoolFile, string>();
  let scratchCount = 0;
  const scratchPath = (): string => join(scratch, String(scratchCount++));

  for (const [path, node] of walkTree(root)) {
    throwIfAborted(signal, "exporting files");
    await parents.check(path);
    const target = join(out, path);
    const existing = await orAbsent(lstat(target), "lstat", target);
    switch (node.kind) {
      case "dir":
        await makeDirectory(path, target, existing);
        dirMetas.set(path, node.meta);
        parents.markDirectory(path);
        break;
      case "file": {
        if (existing?.isDirectory()) await removeOwnTree(target, path);
        const first = placed.get(node.content);
        if (first === undefined) {
          await placeSpooled(node.content, target, node.meta, preserveOwnership);
          placed.set(node.content, target);
        } else {
          await placeEntry(target, scratchPath, (temp) => linkOrCopy(first, temp, node.meta, preserveOwnership));
        }
        break;
      }
      case "symlink": {
        if (existing?.isDirectory()) await removeOwnTree(target, path);
        await placeEntry(target, scratchPath, async (temp) => {
          await symlink(node.target, temp);
          await applySymlinkMeta(temp, node.meta, preserveOwnership);
        });
        break;
      }
    }
  }
}

/** The spool file renamed into place; across filesystems, a copy made beside the target. */
async function placeSpooled(file: SpoolFile, target: string, meta: NodeMeta, preserveOwnership: boolean): Promise<void> {
  try {
    await rename(file.path, target);
    return;
  } catch (error) {
    if (!crossesFilesystems(error)) throw error;
  }
  await placeEntry(target, undefined, (temp) => copyWithMeta(file.path, temp, meta, preserveOwnership));
  await unlink(file.path);
}

async function linkOrCopy(first: string, temp: string, meta: NodeMeta, preserveOwnership: boolean): Promise<void> {
  try {
    await link(first, temp);
  } catch (error) {
    if (!crossesFilesystems(error)) throw error;
    await copyWithMeta(first, temp, meta, preserveOwnership);
  }
}

async function copyWithMeta(from: string, to: string, meta: NodeMeta, preserveOwnership: boolean): Promise<void> {
  // COPYFILE_EXCL: `to` is a fresh temporary name; the kernel copies, never through memory.
  await copyFile(from, to, 1);
  await applyPathMeta(to, meta, preserveOwnership);
}

async function makeDirectory(path: string, target: string, existing: Stats | undefined): Promise<void> {
  if (existing?.isDirectory()) return;
  if (existing?.isSymbolicLink()) {
    // Replacing it would be safe, but it is the user's link in the user's directory, and the
    // result needs to write below it: refuse rather than silently drop where it pointed.
    throw new UnsafePathError(path, "the destination has a symbolic link where the result has a directory (use mode=delete to replace it)");
  }
  if (existing) await unlink(target);
  // 0700 until applyDirMetas: the final mode may not let us create the children.
  await mkdir(target, 0o700);
}
