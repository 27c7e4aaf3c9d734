import { FileLockTimeoutError, withFileLock } from "@exp/locks";
import { LayoutLockedError } from "./errors.js";

const staleMs = 60_000;

/**
 * Holds `<dir>/index.json.lock` while `work` runs, so two exports into one layout or cache
 * directory never lose each other's index.json entry, as BuildKit's client does with flock. The
 * lock is @exp/locks' file lock, the one the registry's push locks use: it names its holder, so a
 * holder on this host that was killed is broken at once; a live holder refreshes it, so only a
 * lock nobody refreshes for a minute is broken as stale; and on release it removes the lock only
 * while it is still its own, so a holder that froze past the minute never deletes the lock another
 * export has taken since. Waiting more than five minutes for a live holder is LayoutLockedError
 * (`ERR_CACHE_LOCKED`); an abort while waiting is AbortedError.
 */
export async function withLayoutLock<T>(path: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  try {
    return await withFileLock(path, { signal, staleMs, maxPollMs: 500, maxWaitMs: 5 * staleMs, what: `waiting for the lock ${path}` }, () => work());
  } catch (error) {
    if (error instanceof FileLockTimeoutError) throw new LayoutLockedError(path, error);
    throw error;
  }
}
