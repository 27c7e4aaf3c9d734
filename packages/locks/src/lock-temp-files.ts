import { randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isNotFound } from "./fs-errors.js";
import { isProcessAlive } from "./process-alive.js";

// A lock file is written under a temp name first and then linked to the lock's name (see
// create-lock.ts). A process killed in between leaves the temp file, named after its pid so that a
// later process can tell a dead writer's leftover from a live one's work in flight:
//
//   .<lock name>.<pid>-<16 hex>.tmp      this version (hidden, beside the lock)
//   <lock name>.<pid>-<16 hex>.tmp       the push lock of earlier versions
//   .<lock_name>.<pid>-<16 hex>.tmp      the layout lock of earlier versions (dots as "_")
const tempPattern = /^(\.?)(.+)\.(\d+)-[0-9a-f]{16}\.tmp$/;

/** The temp file a lock is written to before it is linked into place: same directory, so the link stays on one filesystem. */
export function lockTempPath(lockPath: string): string {
  return join(dirname(lockPath), `.${basename(lockPath)}.${process.pid}-${randomBytes(8).toString("hex")}.tmp`);
}

export interface LockTempName {
  /** The lock's file name as the temp name gives it (dots turned to "_" by the layout lock of earlier versions). */
  lock: string;
  /** The process that wrote it. */
  pid: number;
}

/** What a lock temp file's name says, or undefined for any other name. */
export function parseLockTempName(name: string): LockTempName | undefined {
  const match = tempPattern.exec(name);
  if (!match) return undefined;
  const pid = Number(match[3]);
  return Number.isSafeInteger(pid) && pid > 0 ? { lock: match[2]!, pid } : undefined;
}

/** Whether `name` is a temp file of the lock named `lockName` (in any version's spelling). */
export function isTempOfLock(name: string, lockName: string): boolean {
  const parsed = parseLockTempName(name);
  if (!parsed) return false;
  return parsed.lock === lockName || (name.startsWith(".") && parsed.lock === lockName.replace(/\./g, "_"));
}

export interface LockTempFile {
  path: string;
  pid: number;
  /** The writer still runs (on this host): its lock is being taken right now. */
  alive: boolean;
}

/**
 * The lock temp files directly in `dir` (none when it does not exist), optionally only those of
 * one lock. Only for a directory that holds locks and nothing else, or with `lockName`: elsewhere
 * another writer's temp names may look the same.
 */
export async function findLockTempFiles(dir: string, options: { lockName?: string } = {}): Promise<LockTempFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const found: LockTempFile[] = [];
  for (const name of names.sort()) {
    const parsed = parseLockTempName(name);
    if (!parsed || (options.lockName !== undefined && !isTempOfLock(name, options.lockName))) continue;
    found.push({ path: join(dir, name), pid: parsed.pid, alive: isProcessAlive(parsed.pid) });
  }
  return found;
}

/**
 * Removes the lock temp files in `dir` whose writer is dead; the count removed. A live writer's
 * temp file is about to be linked and removed by that writer: it is left alone. The pid is judged
 * on this host only (a temp name carries no host), which is why a lock whose temp file vanishes
 * before it is linked just tries again (create-lock.ts).
 */
export async function removeStaleLockTempFiles(dir: string, options: { lockName?: string } = {}): Promise<number> {
  let removed = 0;
  for (const file of await findLockTempFiles(dir, options)) {
    if (file.alive) continue;
    await rm(file.path, { force: true });
    removed++;
  }
  return removed;
}
