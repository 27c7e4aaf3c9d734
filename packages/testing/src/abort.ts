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
