import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { orAbsent, throwIfAborted } from "@exp/errors";
import { removeOwnTree } from "../fsops/remove-own-tree.js";
import type { DirNode } from "../rootfs/rootfs-tree.js";

/**
 * mode=delete, before the result is written into an existing destination: removes every entry the
 * result does not have, and every non-directory where the result has a directory (a symlink there
 * is removed, never followed). Directories both have are kept and walked into. A mount point is
 * never removed nor emptied (removeOwnTree refuses), so a filesystem mounted in the destination
 * survives an export that does not mention it.
 */
export async function removeStale(dir: string, result: DirNode, signal: AbortSignal, prefix = ""): Promise<void> {
  for (const name of await readdir(dir)) {
    throwIfAborted(signal, "removing stale files");
    const path = join(dir, name);
    const display = prefix === "" ? name : `${prefix}/${name}`;
    const wanted = result.children.get(name);
    const stats = await orAbsent(lstat(path), "lstat", path);
    if (!stats) continue;
    if (wanted?.kind === "dir" && stats.isDirectory()) {
      await removeStale(path, wanted, signal, display);
      continue;
    }
    // What the result puts there as a non-directory replaces it as it is written.
    if (wanted !== undefined && wanted.kind !== "dir") continue;
    await removeOwnTree(path, display);
  }
}
