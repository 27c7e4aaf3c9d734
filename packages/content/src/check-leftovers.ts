import { basename, join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { isTempName } from "./atomic-write.js";
import type { CheckLog } from "./check-report.js";
import { listDir } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { findLockLeftovers } from "./lock-leftovers.js";
import { isPidAlive, tempOwnerPid } from "./temp-files.js";

// What interrupted writers leave beside the records. None of it is a fault: every temp name
// carries its writer's pid, a dead writer's leftovers are never read as records, and the store
// removes them itself (openContentStore for ingest/ and meta/trash/, gc for the rest).

const LIVE = "temp files of writers still running (work in flight)";
const DEAD = "temp files left by writers that died (openContentStore or gc removes them)";
const LOCK_LIVE = "lock temp files of processes taking a lock (work in flight)";
const LOCK_DEAD = "lock temp files left by processes killed while taking a lock (exp prune removes them)";

/** Notes a temp file by whether its writer is alive; false when the name carries no pid (not a temp file of ours). */
export function noteTempFile(log: CheckLog, path: string): boolean {
  const pid = tempOwnerPid(basename(path));
  if (pid === undefined) return false;
  log.note(isPidAlive(pid) ? LIVE : DEAD, path);
  return true;
}

/** ingest/, meta/trash/, the temp files in the record directories and those of locks under locks/. */
export async function checkLeftovers(layout: Layout, log: CheckLog, signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal, "checking the content store");
  for (const name of (await listDir(layout.ingestDir)).sort()) {
    const path = join(layout.ingestDir, name);
    if (!noteTempFile(log, path)) log.note("files in ingest/ that the store did not write (ignored, counted by du as ingest bytes)", path);
  }
  for (const name of (await listDir(layout.trashDir)).sort()) {
    log.note("lease removals a crash interrupted (openContentStore or gc deletes them)", join(layout.trashDir, name));
  }
  const recordDirs = [layout.historyDir, layout.rootsDir, layout.labelsDir];
  for (const algorithm of (await listDir(layout.blobMetaDir)).sort()) recordDirs.push(join(layout.blobMetaDir, algorithm));
  for (const dir of recordDirs) {
    for (const name of (await listDir(dir)).sort()) if (isTempName(name)) noteTempFile(log, join(dir, name));
  }
  for (const name of (await listDir(layout.leasesDir)).sort()) {
    if (name.startsWith(".tmp-")) noteTempFile(log, join(layout.leasesDir, name));
  }
  for (const file of await findLockLeftovers(layout)) log.note(file.alive ? LOCK_LIVE : LOCK_DEAD, file.path);
}

