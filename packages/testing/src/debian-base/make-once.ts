import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { link, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { throwIfAborted } from "@exp/errors";
import { raceAbort } from "../abort.js";
import { TestCacheLockError } from "../errors.js";

export interface MakeOnceOptions {
  signal?: AbortSignal;
  /** How long to wait for another live process that is making the same artifact. Default 15 min. */
  waitTimeoutMs?: number;
}

const POLL_MS = 200;
// A lock file is created empty and then gets its holder written; one still empty after this long
// belongs to a process that died in between.
const EMPTY_LOCK_GRACE_MS = 5_000;

// Several test files (vitest workers) of one run ask for the same artifact at once; within a
// process the first caller's promise is shared, across processes the lock file decides.
const inProcess = new Map<string, Promise<string>>();

/**
 * Returns `path`, calling `make(tmpPath)` first if it does not exist yet. Exactly one process makes
 * it: the one that creates `<path>.lock` (O_EXCL, holder "pid@host" inside); the others wait for
 * the finished artifact. `make` writes a temp sibling that is renamed into place, so `path`
 * is either absent or complete, never half-written. A lock whose holder has died (a test run killed
 * with SIGKILL) is broken, and the dead holder's temp leftovers removed.
 */
export function makeOnce(path: string, make: (tmpPath: string) => Promise<void>, options: MakeOnceOptions = {}): Promise<string> {
  let pending = inProcess.get(path);
  if (!pending) {
    pending = makeOnceUncached(path, make, options).finally(() => inProcess.delete(path));
    inProcess.set(path, pending);
  }
  return pending;
}

async function makeOnceUncached(path: string, make: (tmpPath: string) => Promise<void>, options: MakeOnceOptions): Promise<string> {
  const { signal } = options;
  const lockPath = `${path}.lock`;
  const started = Date.now();
  for (;;) {
    throwIfAborted(signal, `making ${path}`);
    if (await exists(path)) return path;
    const release = await tryLock(lockPath);
    if (release) {
      try {
        // Another process may have finished between our check and our lock.
        if (await exists(path)) return path;
        await removeLeftovers(path);
        const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
        try {
          await make(tmp);
          await rename(tmp, path);
        } catch (error) {
          await rm(tmp, { recursive: true, force: true });
          throw error;
        }
        return path;
      } finally {
        await release();
      }
    }
    const holder = await readLock(lockPath);
    if (holder && holder.dead) {
      await breakLock(lockPath, holder.content);
      continue;
    }
    if (Date.now() - started > (options.waitTimeoutMs ?? 15 * 60_000)) {
      throw new TestCacheLockError(lockPath, holder?.content ?? "", Date.now() - started);
    }
    // Not pause(): its timer is unref'd, and a process with nothing else to do would exit while waiting.
    await raceAbort(new Promise((r) => setTimeout(r, POLL_MS)), signal, `waiting for ${lockPath}`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

const me = `${process.pid}@${hostname()}`;

/** Creates the lock file (O_EXCL) with our pid in it; undefined when someone else holds it. */
async function tryLock(lockPath: string): Promise<(() => Promise<void>) | undefined> {
  let handle;
  try {
    handle = await open(lockPath, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw error;
  }
  try {
    await handle.writeFile(`${me}\n`);
  } finally {
    await handle.close();
  }
  return async () => {
    // Only remove the lock if it is still ours (it never should be otherwise, but a broken lock
    // must not make us delete the next holder's).
    if ((await readFile(lockPath, "utf8").catch(() => "")).trim() === me) await unlink(lockPath).catch(() => {});
  };
}

/** The lock's holder and whether it is dead. Undefined when the lock is gone. */
async function readLock(lockPath: string): Promise<{ content: string; dead: boolean } | undefined> {
  let content: string;
  let mtimeMs: number;
  try {
    content = (await readFile(lockPath, "utf8")).trim();
    mtimeMs = (await stat(lockPath)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (content === "") return { content, dead: Date.now() - mtimeMs > EMPTY_LOCK_GRACE_MS };
  const [pidText, host] = content.split("@");
  const pid = Number(pidText);
  // A holder on another machine (a shared cache dir) cannot be checked: wait for it.
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return { content, dead: false };
  return { content, dead: !processAlive(pid) };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes a dead holder's lock. Two waiters may notice the same dead holder at once: each moves
 * the lock aside first (rename is atomic, so only one gets it) and checks that what it moved is
 * the dead holder's; if a new live holder's lock was taken instead, it is put back.
 */
async function breakLock(lockPath: string, deadContent: string): Promise<void> {
  const aside = `${lockPath}.broken-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = (await readFile(aside, "utf8").catch(() => "")).trim();
  if (moved !== deadContent) await link(aside, lockPath).catch(() => {});
  await unlink(aside).catch(() => {});
}

/** Temp siblings of `path` left by a maker that died; only called while holding the lock. */
async function removeLeftovers(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`;
  for (const name of await readdir(dirname(path))) {
    if (name.startsWith(prefix)) await rm(join(dirname(path), name), { recursive: true, force: true });
  }
}
