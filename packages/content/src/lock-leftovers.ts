import { join } from "node:path";
import { findLockTempFiles, removeStaleLockTempFiles, type LockTempFile } from "@exp/locks";
import { listDir } from "./fs-util.js";
import type { Layout } from "./layout.js";

// The store does not take these locks itself: its users keep cross-process locks under locks/
// (exp's push locks in locks/push/). A process killed while taking one leaves the lock's temp file
// (see @exp/locks), which nobody else would ever remove, so check reports them and gc removes them.

/** The directories locks live in: locks/ and each directory directly in it. */
async function lockDirs(layout: Layout): Promise<string[]> {
  return [layout.locksDir, ...(await listDir(layout.locksDir)).sort().map((name) => join(layout.locksDir, name))];
}

/** Every lock temp file under locks/, with whether its writer still runs. */
export async function findLockLeftovers(layout: Layout): Promise<LockTempFile[]> {
  const found: LockTempFile[] = [];
  // A plain file in locks/ is "not a directory" to findLockTempFiles: no temp files in it.
  for (const dir of await lockDirs(layout)) found.push(...(await findLockTempFiles(dir)));
  return found;
}

/** Removes the lock temp files under locks/ whose writer is dead; the count removed. */
export async function removeLockLeftovers(layout: Layout): Promise<number> {
  let removed = 0;
  for (const dir of await lockDirs(layout)) removed += await removeStaleLockTempFiles(dir);
  return removed;
}
