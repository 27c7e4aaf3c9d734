/**
 * Runs `work` over `items` on `limit` workers and resolves to the results in order (the first
 * failure rejects). `worker` says which worker runs an item: one worker's items never overlap.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number, worker: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const run = async (worker: number) => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!, i, worker);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, (_, worker) => run(worker)));
  return results;
}
