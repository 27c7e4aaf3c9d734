import { link, open, rm, writeFile } from "node:fs/promises";
import { hasCode } from "./fs-errors.js";
import { lockTempPath } from "./lock-temp-files.js";

/** What one try at creating the lock file found. */
export type CreateOutcome = "created" | "held";

/**
 * Creates the lock file with its holder already in it. Written under a temp name, then linked to
 * the lock's name (link never replaces a file, so it is as exclusive as "wx"): a process killed
 * between creating the lock and writing its holder would otherwise leave an empty lock nobody can
 * judge dead, and every later taker would wait out the stale limit. A kill leaves at most the temp
 * file (lock-temp-files.ts). Filesystems without hard links get the create-then-write order.
 * "held" when the lock exists; any other failure is thrown as it came.
 */
export async function createLockFile(path: string, holder: string): Promise<CreateOutcome> {
  const temp = lockTempPath(path);
  try {
    await writeFile(temp, holder, { flag: "wx" });
    await link(temp, path);
    return "created";
  } catch (error) {
    if (hasCode(error, "EEXIST")) return "held";
    // The temp file was written but is gone: another process took it for a dead writer's leftover
    // (it judges pids on its own host). Nothing was taken; the caller tries again.
    if (hasCode(error, "ENOENT") && (error as { syscall?: string }).syscall === "link") return "held";
    if (!hasCode(error, "EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK")) throw error;
    return createWithoutLink(path, holder);
  } finally {
    await rm(temp, { force: true });
  }
}

async function createWithoutLink(path: string, holder: string): Promise<CreateOutcome> {
  let handle;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if (hasCode(error, "EEXIST")) return "held";
    throw error;
  }
  try {
    await handle.writeFile(holder);
  } finally {
    await handle.close();
  }
  return "created";
}
