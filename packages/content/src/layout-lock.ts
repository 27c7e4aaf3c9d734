import { link, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { ExpError } from "@exp/errors";
import { tempPathFor } from "./atomic-write.js";
import { hasCode } from "./fs-util.js";
import { isPidAlive } from "./temp-files.js";

const staleMs = 60_000;

/**
 * Holds `<dir>/index.json.lock` (created exclusively) while `work` runs, so two exports into one
 * cache directory never lose each other's index.json entry, as BuildKit's client does with flock.
 * The lock names its holder (`<pid> <host>`): a lock whose holder on this host is dead (an export
 * killed with SIGKILL) is broken at once; any other lock older than a minute is taken to belong
 * to a process that died and is broken too.
 */
export async function withLayoutLock<T>(path: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5 * staleMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await createLock(path, `${process.pid} ${hostname()}`);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
      const holder = await readFile(path, "utf8").catch(() => undefined);
      const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > staleMs || (holder !== undefined && holderIsDead(holder))) {
        // Only if it is still the lock just judged (another waiter may have broken and retaken it).
        if ((await readFile(path, "utf8").catch(() => undefined)) === holder) await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new ExpError("ERR_CACHE_LOCKED", `${path} has been locked for too long; another export is stuck, or remove the file`, { fault: "server" });
      await sleep(Math.min(500, 10 * 2 ** attempt), undefined, { signal });
    }
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * Creates the lock file with its holder already in it, or fails with EEXIST. Written under a temp
 * name, then linked to the lock's name (link never replaces a file, so it is as exclusive as
 * "wx"): a process killed between creating the lock and writing its holder would otherwise leave
 * an empty lock nobody can judge dead, and every later export would wait `staleMs` for it. A kill
 * leaves at most the temp file. Filesystems without hard links get the create-then-write order.
 */
async function createLock(path: string, holder: string): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, holder, { flag: "wx" });
    await link(temp, path);
  } catch (error) {
    if (!hasCode(error, "EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK")) throw error;
    const handle = await open(path, "wx");
    try {
      await handle.writeFile(holder);
    } finally {
      await handle.close();
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/** `<pid> <host>` of a process on this host that no longer runs (a bare pid, as older versions wrote, is never judged). */
function holderIsDead(content: string): boolean {
  const [pid, host] = content.trim().split(" ");
  return host === hostname() && /^\d+$/.test(pid ?? "") && !isPidAlive(Number(pid));
}
