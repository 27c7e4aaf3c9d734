/**
 * Test synchronisation without sleeps: `arrive()` resolves only once `parties` callers have
 * arrived. If they never all arrive (the work did not overlap), it rejects after `deadlineMs`
 * with a message saying so; the deadline detects a deadlock, it is not a measurement.
 */
export class Barrier {
  private arrived = 0;
  private readonly opened: Promise<void>;
  private open!: () => void;

  constructor(
    readonly parties: number,
    private readonly deadlineMs = 5_000,
  ) {
    this.opened = new Promise((resolve) => (this.open = resolve));
  }

  async arrive(): Promise<void> {
    this.arrived++;
    if (this.arrived >= this.parties) this.open();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`barrier: only ${this.arrived} of ${this.parties} parties arrived; the work did not overlap`)),
        this.deadlineMs,
      );
    });
    try {
      await Promise.race([this.opened, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A promise with its resolve/reject exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves when the signal aborts (for a finalizer that must observe its cancellation). */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}
