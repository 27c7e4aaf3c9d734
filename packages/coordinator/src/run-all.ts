/**
 * Runs tasks concurrently; the first one to fail aborts `controller` (so its siblings' signals
 * fire) and, once every task has settled, is the error thrown. Errors that come after the abort are
 * consequences of it and never replace the first. `onError` may absorb an error (return true),
 * which is how an ignore-error cache exporter reports a warning without cancelling anything.
 */
export async function runAll<T>(
  tasks: ReadonlyArray<() => Promise<T>>,
  controller: AbortController,
  onError: (index: number, error: unknown) => boolean = () => false,
): Promise<Array<T | undefined>> {
  let first: { error: unknown } | undefined;
  const results: Array<T | undefined> = new Array(tasks.length).fill(undefined);
  await Promise.all(
    tasks.map(async (task, index) => {
      try {
        results[index] = await task();
      } catch (error) {
        if (onError(index, error)) return;
        if (!first) {
          first = { error };
          controller.abort(error);
        }
      }
    }),
  );
  if (first) throw first.error;
  return results;
}
