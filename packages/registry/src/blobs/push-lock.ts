import { createHash } from "node:crypto";
import { join } from "node:path";
import { isAbortError } from "@exp/errors";
import { acquireFileLock, type FileLock } from "@exp/locks";

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
 * share them), one per registry, repository and digest: @exp/locks' file lock, the one the layout
 * lock of @exp/content uses. A holder on this host whose process is gone (SIGKILL) is broken at
 * once, a live holder refreshes its lock so only a lock nobody refreshes goes stale, and a holder
 * removes its lock on release only while it is still its own. The lock only saves bandwidth, so it
 * never fails a push: a lock that cannot be taken (no such directory, read-only) or is broken by
 * mistake costs at worst a second upload of the same bytes. Only an abort stops the wait.
 */
export function filePushLocks(dir: string, options: FilePushLockOptions = {}): PushLocks {
  const staleMs = options.staleMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxPollMs = options.maxPollMs ?? 250;
  return {
    async run(key, signal, work) {
      const path = join(dir, `${createHash("sha256").update(`${key.registry}\n${key.repository}\n${key.digest}`).digest("hex")}.lock`);
      let lock: FileLock;
      try {
        lock = await acquireFileLock(path, {
          staleMs,
          heartbeatMs,
          maxPollMs,
          createDir: true,
          what: `waiting to push ${key.digest} to ${key.registry}/${key.repository}`,
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (isAbortError(error)) throw error;
        return work(false);
      }
      try {
        return await work(lock.waited);
      } finally {
        // A lock we could not remove costs a later push a wait, never this push its result.
        await lock.release().catch(() => undefined);
      }
    },
  };
}
