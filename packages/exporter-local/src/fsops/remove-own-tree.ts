import { lstat, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { orAbsent } from "@exp/errors";
import { MountInsideError } from "../errors.js";
import { removeTree } from "./remove-tree.js";

/**
 * Removes a directory of the destination that the result replaces or (mode=delete) does not have,
 * after checking that no filesystem is mounted anywhere below it: `rm -rf` would empty a mounted
 * filesystem (a tmpfs, a bind mount of the user's data) before failing on the mount point itself,
 * and exp never removes what it cannot put back. A path that is itself a mount point is refused
 * the same way. `display` names the path in the error.
 */
export async function removeOwnTree(path: string, display: string): Promise<void> {
  const top = await orAbsent(lstat(path), "lstat", path);
  if (!top) return;
  if (top.isDirectory()) {
    // The path may itself be a mount point: its device differs from its parent's.
    if ((await lstat(dirname(path))).dev !== top.dev) throw new MountInsideError(display, display);
    await refuseMounts(path, top.dev, display);
  }
  await removeTree(path);
}

async function refuseMounts(dir: string, dev: number, display: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const child = join(dir, entry.name);
    const childDisplay = `${display}/${entry.name}`;
    const stats = await lstat(child);
    if (stats.dev !== dev) throw new MountInsideError(display, childDisplay);
    await refuseMounts(child, dev, childDisplay);
  }
}
