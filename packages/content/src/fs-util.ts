import { readdir, rm, unlink } from "node:fs/promises";
import { isNotFound } from "@exp/errors";

// One definition of "does not exist" for every package (ENOENT, ENOTDIR): @exp/errors'.
export { hasCode, isNotFound } from "@exp/errors";

/** Directory entries, or none when the directory does not exist (a concurrent delete is not an error). */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** Unlinks a file; false when it was already gone. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Removes a directory tree; retries cover a concurrent writer adding an entry while we empty it. */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 10 });
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results in input order. After a
 * failure no new calls start, and it rejects (with the first error) only once the calls in flight
 * have settled, so nothing keeps running behind the caller's back — e.g. after gc releases its lock.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
