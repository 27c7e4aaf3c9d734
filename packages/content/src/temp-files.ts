import { randomBytes } from "node:crypto";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { FileAccessError } from "@exp/errors";
import { isProcessAlive } from "@exp/locks";
import { isNotFound, listDir, removeTree } from "./fs-util.js";

// Every temporary file or directory carries the writer's pid, so a later process can tell a
// leftover of a crashed writer (pid gone) from the in-flight work of a live one. The pattern is
// `<pid>-<random>` anywhere in the name, after an optional prefix such as "." or ".tmp-".
const tempPattern = /^(?:\.[^.]*\.|\.tmp-)?(\d+)-[0-9a-f]{16}(?:\.tmp)?$/;

/** `<pid>-<16 hex>`: unique per call, and names the process that owns it. */
export function tempToken(): string {
  return `${process.pid}-${randomBytes(8).toString("hex")}`;
}

/** The pid a temp name was created by, or undefined for names that are not ours. */
export function tempOwnerPid(name: string): number | undefined {
  const match = tempPattern.exec(name);
  if (!match) return undefined;
  const pid = Number(match[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether a process with this pid exists on this host: the same check the file locks of @exp/locks
 * judge their holders by. A recycled pid keeps a leftover alive until that process exits too — a
 * leak of one temp file, never the removal of live work.
 */
export const isPidAlive: (pid: number) => boolean = isProcessAlive;

export interface StaleTempScan {
  removed: number;
  removedBytes: number;
  /** Temp files of other live processes: in-flight work somewhere else. */
  foreignLive: number;
}

/**
 * Removes the temp files in `dir` whose owning pid is dead. `match` selects which names are temp
 * files (ingest/ holds nothing else; metadata directories hold records next to their temps).
 */
export async function removeStaleTempFiles(dir: string, match: (name: string) => boolean = () => true): Promise<StaleTempScan> {
  const result: StaleTempScan = { removed: 0, removedBytes: 0, foreignLive: 0 };
  for (const name of await listDir(dir)) {
    if (!match(name)) continue;
    const pid = tempOwnerPid(name);
    if (pid === undefined) continue;
    if (isPidAlive(pid)) {
      if (pid !== process.pid) result.foreignLive++;
      continue;
    }
    const path = join(dir, name);
    let size: number;
    try {
      const info = await lstat(path);
      size = info.isFile() ? info.size : 0;
    } catch (error) {
      if (isNotFound(error)) continue; // Gone already: another process cleaned it up.
      throw new FileAccessError("lstat", path, error, "a temp file or directory of the store");
    }
    // A tree, not a file: crashed lease creation leaves a temp directory.
    await removeTree(path);
    result.removed++;
    result.removedBytes += size;
  }
  return result;
}
