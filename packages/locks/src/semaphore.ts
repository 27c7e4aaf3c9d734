import { AbortedError } from "@exp/errors";

/**
 * A counting semaphore whose waiters can give up through an AbortSignal: at most `size` holders
 * at once (a registry host's connections, layers compressed at the same time).
 */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  /** `waitingFor` names the wait in the error an abort gives, e.g. "waiting for a registry connection slot". */
  constructor(
    private size: number,
    private readonly waitingFor = "waiting for a free slot",
  ) {}

  get inUse(): number {
    return this.active;
  }

  resize(size: number): void {
    this.size = size;
    this.drain();
  }

  /** Resolves with the function that gives the slot back (calling it twice gives it back once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new AbortedError(this.waitingFor, signal.reason);
    if (this.active < this.size) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new AbortedError(this.waitingFor, signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.drain();
    };
  }

  private drain(): void {
    while (this.active < this.size && this.waiters.length > 0) {
      this.active++;
      this.waiters.shift()!.resolve();
    }
  }
}
