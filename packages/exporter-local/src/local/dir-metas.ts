import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { orAbsent, throwIfAborted } from "@exp/errors";
import { compareWalkOrder } from "@exp/solver";
import { applyPathMeta } from "../fsops/apply-meta.js";
import type { NodeMeta } from "../rootfs/node-meta.js";

/** Final metadata of every directory of the output, by path relative to the output root. */
export type DirMetas = Map<string, NodeMeta>;

/**
 * Directory modes and times go on last, deepest first: while we work, directories stay 0700 so a
 * read-only directory of the image (0555) can still be filled, and each one's mtime is set after
 * its children stopped changing it. Paths that are no longer directories (replaced by a file of
 * the result) are skipped: lstat, never stat, so a symlink is never followed here either.
 */
export async function applyDirMetas(root: string, metas: DirMetas, preserveOwnership: boolean, signal: AbortSignal): Promise<void> {
  const paths = [...metas.keys()].sort(compareWalkOrder).reverse();
  for (const path of paths) {
    throwIfAborted(signal, "exporting files");
    const absolute = join(root, path);
    const stats = await orAbsent(lstat(absolute), "lstat", absolute);
    if (!stats?.isDirectory()) continue;
    await applyPathMeta(absolute, metas.get(path) as NodeMeta, preserveOwnership);
  }
}
