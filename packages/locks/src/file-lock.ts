import { mkdir, readFile, rm, stat, utimes } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError, throwIfAborted } from "@exp/errors";
import { createLockFile } from "./create-lock.js";
import { FileLockError, FileLockTimeoutError } from "./errors.js";
import { isNotFound } from "./fs-errors.js";
import { holderIsDead, newHolder } from "./holder.js";
import { removeStaleLockTempFiles } from "./lock-temp-files.js";

export interface FileLockOptions {
  /** Stops the wait for another holder with AbortedError (`ERR_ABORTED`). */
  signal?: AbortSignal;
  /** Names the wait in the AbortedError, e.g. "waiting to push sha256:… to r.example/app". */
  what?: string;
  /** A lock not refreshed for this long is broken (its holder froze, or died on another host). Default 60 s. */
  staleMs?: number;
  /** How often a holder refreshes its lock's mtime, so a long holder never looks stale. Default staleMs / 4. */
  heartbeatMs?: number;
  /** The longest pause between two looks at a held lock. Default 250 ms. */
  maxPollMs?: number;
  /** Give up with FileLockTimeoutError (`ERR_LOCK_TIMEOUT`) after waiting this long for live holders. Default: wait until the signal fires. */
  maxWaitMs?: number;
  /** Create the lock's directory when it is missing. Default false. */
  createDir?: boolean;
}

export interface FileLock {
  readonly path: string;
  /** What the lock file holds while this holder has it: `<pid> <host> <token>`. */
  readonly holder: string;
  /** True when another holder had to be waited for or broken first (it may have done the work meanwhile). */
  readonly waited: boolean;
  /**
   * Stops refreshing the lock and removes it, only if it is still this holder's: a holder that
   * froze past the stale limit may have had its lock broken and taken by another process, whose
   * lock it must not delete. False when the file was no longer ours. Calling it again does nothing.
   */
  release(): Promise<boolean>;
}

/**
 * Takes a lock held across processes: a file created exclusively that names its holder (see
 * holder.ts). A lock whose holder on this host is dead (killed with SIGKILL) is broken at once;
 * any other lock is broken once nobody has refreshed it for `staleMs`, and a live holder refreshes
 * it every `heartbeatMs`. After taking the lock, temp files that dead takers of the same lock left
 * beside it are removed. Failures of the filesystem are FileLockError (`ERR_LOCK_IO`).
 *
 * What stays possible: two waiters that judge the same stale lock at the same instant may both
 * break it (each re-reads it right before removing, which narrows this to the gap between that
 * read and the unlink). A lock only ever excludes the processes that take it.
 */
export async function acquireFileLock(path: string, options: FileLockOptions = {}): Promise<FileLock> {
  const staleMs = options.staleMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? staleMs / 4;
  const maxPollMs = options.maxPollMs ?? 250;
  const what = options.what ?? `waiting for the lock ${path}`;
  const { signal } = options;
  const holder = newHolder();
  const started = Date.now();
  let waited = false;
  if (options.createDir) await io("creating the directory of", path, () => mkdir(dirname(path), { recursive: true }));
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal, what);
    if ((await io("creating", path, () => createLockFile(path, holder))) === "created") break;
    // Someone held it: by the time we get it, they may have done what we came to do.
    waited = true;
    const seen = await judge(path);
    if (seen === undefined) continue; // released meanwhile: try again now
    if (holderIsDead(seen.holder) || Date.now() - seen.mtimeMs > staleMs) {
      await breakIfStill(path, seen.holder);
      continue;
    }
    if (options.maxWaitMs !== undefined && Date.now() - started > options.maxWaitMs) throw new FileLockTimeoutError(path, Date.now() - started, seen.holder);
    try {
      await sleep(Math.min(maxPollMs, 10 * 2 ** Math.min(attempt, 10)), undefined, signal ? { signal } : {});
    } catch {
      throw new AbortedError(what, signal?.reason);
    }
  }
  // Housekeeping, not part of taking the lock: a failure here must not fail the holder's work.
  await removeStaleLockTempFiles(dirname(path), { lockName: basename(path) }).catch(() => undefined);
  return held(path, holder, waited, heartbeatMs);
}

/**
 * Runs `work` holding the lock at `path`, and releases it after (see acquireFileLock). When the
 * work fails, its error is the one thrown, even if releasing fails too.
 */
export async function withFileLock<T>(path: string, options: FileLockOptions, work: (lock: FileLock) => Promise<T>): Promise<T> {
  const lock = await acquireFileLock(path, options);
  let result: T;
  try {
    result = await work(lock);
  } catch (error) {
    // The work's failure is what the caller must hear about; a lock left behind goes stale.
    await lock.release().catch(() => undefined);
    throw error;
  }
  await lock.release();
  return result;
}

function held(path: string, holder: string, waited: boolean, heartbeatMs: number): FileLock {
  const heartbeat = setInterval(() => void refresh(path, holder), heartbeatMs).unref();
  let released: Promise<boolean> | undefined;
  return {
    path,
    holder,
    waited,
    release() {
      clearInterval(heartbeat);
      released ??= (async () => {
        if ((await readHolder(path)) !== holder) return false;
        await io("removing", path, () => rm(path, { force: true }));
        return true;
      })();
      return released;
    },
  };
}

/**
 * Touches the lock's mtime while it is still ours. A refresh that fails is not an error of the
 * holder's work: at worst a waiter breaks the lock after `staleMs`, as for a frozen holder, and
 * the token check on release keeps us from deleting its lock then.
 */
async function refresh(path: string, holder: string): Promise<void> {
  try {
    if ((await readFile(path, "utf8")) !== holder) return;
    const now = new Date();
    await utimes(path, now, now);
  } catch {
    // See above: the heartbeat never fails anything.
  }
}

/** The lock's holder and age, or undefined when there is no lock (any other failure is thrown). */
async function judge(path: string): Promise<{ holder: string; mtimeMs: number } | undefined> {
  const holder = await readHolder(path);
  if (holder === undefined) return undefined;
  try {
    return { holder, mtimeMs: (await stat(path)).mtimeMs };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new FileLockError("reading", path, error);
  }
}

/** Removes the lock only if it still holds what was judged (another waiter may have broken and retaken it). */
async function breakIfStill(path: string, judged: string): Promise<void> {
  if ((await readHolder(path)) === judged) await io("breaking", path, () => rm(path, { force: true }));
}

async function readHolder(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new FileLockError("reading", path, error);
  }
}

async function io<T>(action: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new FileLockError(action, path, error);
  }
}
