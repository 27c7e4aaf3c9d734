/**
 * Runs tasks at once, as buildx's errgroup does: the first failure aborts the others (through the
 * signal each task is handed) and is what this rejects with, once every task has settled, so
 * nothing is left running behind the caller. Aborting `signal` aborts them all.
 */
export async function runAll<T>(tasks: ReadonlyArray<(signal: AbortSignal) => Promise<T>>, signal?: AbortSignal): Promise<T[]> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  let failure: { error: unknown } | undefined;
  try {
    const settled = await Promise.allSettled(
      tasks.map(async (task) => {
        try {
          return await task(controller.signal);
        } catch (error) {
          if (!failure) {
            failure = { error };
            controller.abort(error);
          }
          throw error;
        }
      }),
    );
    if (failure) throw failure.error;
    return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
