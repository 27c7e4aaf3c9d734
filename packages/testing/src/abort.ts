import { AbortedError } from "@exp/errors";

/** Calls `onAbort` once if the signal fires; returns the function that stops listening. */
export function onAbort(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

/** `promise`, or an AbortedError as soon as the signal fires (the work itself is not cancelled). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () => reject(new AbortedError(what, signal.reason)));
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with AbortedError when the signal fires first. Used for polling only. */
export function pause(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return raceAbort(new Promise((resolve) => setTimeout(resolve, ms).unref()), signal, what);
}

/**
 * A test server's `stop()`: runs `steps` once, in order, each even when one before it failed
 * (the first failure is the one thrown); also run when `signal` fires. Later calls share the run.
 */
export function stopOnce(signal: AbortSignal | undefined, steps: ReadonlyArray<() => Promise<void>>): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  const inOrder = async (rest: ReadonlyArray<() => Promise<void>>): Promise<void> => {
    const [first, ...after] = rest;
    if (!first) return;
    try {
      await first();
    } finally {
      await inOrder(after);
    }
  };
  // Assigned below: a signal that already fired calls stop() from inside onAbort().
  let stopListening = (): void => {};
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopListening();
      await inOrder(steps);
    })());
  stopListening = onAbort(signal, () => void stop());
  return stop;
}
