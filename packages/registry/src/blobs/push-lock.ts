import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError, throwIfAborted } from "@exp/errors";

export interface PushLockKey {
  registry: string;
  repository: string;
  digest: string;
}

/**
 * Serializes the pushes of one blob to one repository across processes. Two builds that push the
 * same layer at the same moment both HEAD it, both hear 404 and both send it: the client's own
 * single-flight map cannot see another process. Holding this lock around HEAD-and-upload makes
 * the later push wait, then HEAD again and find the blob there.
 */
export interface PushLocks {
  /**
   * Runs `work` holding the lock for `key`. `waited` is true when another holder had to be waited
   * for (it may have pushed the blob meanwhile, so the caller must ask the registry again).
   */
  run<T>(key: PushLockKey, signal: AbortSignal | undefined, work: (waited: boolean) => Promise<T>): Promise<T>;
}

export interface FilePushLockOptions {
  /** A lock not refreshed for this long is broken (its holder froze, or died on another host). Default 60 s. */
  staleMs?: number;
  /** How often a holder refreshes its lock's mtime. Default 15 s. */
  heartbeatMs?: number;
  /** The longest pause between two looks at a held lock. Default 250 ms. */
  maxPollMs?: number;
}

/**
 * Push locks as files in `dir` (exp keeps them in the content store, so builds sharing a store
 * share them), one per registry, repository and digest, created exclusively. The file names its
 * holder: a holder on this host whose process is gone (SIGKILL) is broken at once, and a live
 * holder refreshes the file's mtime, so only a lock nobody refreshes goes stale. The lock only
 * saves bandwidth, so it never fails a push: a lock that cannot be taken (no such directory,
 * read-only) or is broken by mistake costs at worst a second upload of the same bytes.
 */
export function filePushLocks(dir: string, options: FilePushLockOptions = {}): PushLocks {
  const staleMs = options.staleMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxPollMs = options.maxPollMs ?? 250;
  return {
    async run(key, signal, work) {
      const path = join(dir, `${createHash("sha256").update(`${key.registry}\n${key.repository}\n${key.digest}`).digest("hex")}.lock`);
      const token = `${process.pid} ${hostname()} ${randomBytes(8).toString("hex")}`;
      const taken = await acquire(path, token, { staleMs, maxPollMs, signal, what: `waiting to push ${key.digest} to ${key.registry}/${key.repository}` });
      if (taken === "unavailable") return work(false);
      const heartbeat = setInterval(() => {
        const now = new Date();
        void utimes(path, now, now).catch(() => undefined);
      }, heartbeatMs).unref();
      try {
        return await work(taken === "after-wait");
      } finally {
        clearInterval(heartbeat);
        // Only our own lock: a waiter may have judged it stale and taken it over.
        if ((await readFile(path, "utf8").catch(() => undefined)) === token) await rm(path, { force: true });
      }
    },
  };
}

async function acquire(
  path: string,
  token: string,
  o: { staleMs: number; maxPollMs: number; signal: AbortSignal | undefined; what: string },
): Promise<"at-once" | "after-wait" | "unavailable"> {
  let waited = false;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(o.signal, o.what);
    try {
      if (attempt === 0) await mkdir(join(path, ".."), { recursive: true });
      await createLock(path, token);
      return waited ? "after-wait" : "at-once";
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") return "unavailable";
      waited = true; // someone held it: by the time we get it, they may have pushed the blob
    }
    const holder = await readFile(path, "utf8").catch(() => undefined);
    const mtime = (await stat(path).catch(() => undefined))?.mtimeMs;
    if (holder === undefined || mtime === undefined) continue; // released meanwhile: try again now
    if (holderIsGone(holder) || Date.now() - mtime > o.staleMs) {
      // Only if it is still the lock just judged (another waiter may have broken and retaken it).
      if ((await readFile(path, "utf8").catch(() => undefined)) === holder) await rm(path, { force: true });
      continue;
    }
    try {
      await sleep(Math.min(o.maxPollMs, 10 * 2 ** Math.min(attempt, 10)), undefined, o.signal ? { signal: o.signal } : {});
    } catch {
      throw new AbortedError(o.what, o.signal?.reason);
    }
  }
}

/**
 * Creates the lock file with its holder already in it, or fails with EEXIST. Written under a temp
 * name, then linked to the lock's name (link never replaces a file, so it is as exclusive as
 * "wx"): a build killed between creating the lock and writing its holder would otherwise leave an
 * empty lock nobody can judge dead, and every later push of that blob would wait `staleMs` for it.
 * A kill leaves at most the temp file. Filesystems without hard links get the create-then-write order.
 */
async function createLock(path: string, token: string): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(8).toString("hex")}.tmp`;
  try {
    await writeFile(temp, token, { flag: "wx" });
    await link(temp, path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS" && code !== "EMLINK") throw error;
    const handle = await open(path, "wx");
    try {
      await handle.writeFile(token);
    } finally {
      await handle.close();
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/** `<pid> <host> <token>` of a process on this host that no longer runs. */
function holderIsGone(content: string): boolean {
  const [pid, host] = content.split(" ");
  if (host !== hostname() || !/^\d+$/.test(pid ?? "")) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
}
