/**
 * Wraps an async function so calls run one at a time, in call order. The inline cache exporter is
 * stateful (BuildKit #6256/#6263: concurrent calls corrupted it), so its callback goes through this.
 */
export function serialize<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let tail: Promise<unknown> = Promise.resolve();
  return (...args: A) => {
    const run = tail.then(() => fn(...args));
    tail = run.catch(() => undefined);
    return run;
  };
}
