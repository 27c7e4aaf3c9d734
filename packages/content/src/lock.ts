import { AbortedError, throwIfAborted } from "@exp/errors";

/** Releases a held lock; calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

/**
 * An in-process async read/write lock. GC takes it exclusively; the short steps that make a blob
 * reachable (ingest commit, addResource, lease release) take it shared, so GC never sees one half
 * done. Waiters are served in arrival order, so a steady stream of ingests cannot starve GC and a
 * long GC does not let later ingests overtake earlier ones. Not reentrant.
 */
export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];

  /** Acquire for shared use (many holders at once). */
  shared(options: { signal?: AbortSignal } = {}): Promise<Release> {
    return this.acquire(false, options.signal);
  }

  /** Acquire for exclusive use (no other holder). */
  exclusive(options: { signal?: AbortSignal } = {}): Promise<Release> {
    return this.acquire(true, options.signal);
  }

  async withShared<T>(fn: () => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    const release = await this.shared(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async withExclusive<T>(fn: () => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    const release = await this.exclusive(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** For tests and diagnostics. */
  get state(): { readers: number; writer: boolean; waiting: number } {
    return { readers: this.readers, writer: this.writer, waiting: this.queue.length };
  }

  private acquire(exclusive: boolean, signal: AbortSignal | undefined): Promise<Release> {
    throwIfAborted(signal, "waiting for the content store lock");
    if (this.queue.length === 0 && this.canGrant(exclusive)) return Promise.resolve(this.take(exclusive));
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(new AbortedError("waiting for the content store lock", signal?.reason));
        // A removed exclusive waiter may have been holding back shared ones behind it.
        this.pump();
      };
      const waiter: Waiter = {
        exclusive,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.take(exclusive));
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private canGrant(exclusive: boolean): boolean {
    return exclusive ? !this.writer && this.readers === 0 : !this.writer;
  }

  private take(exclusive: boolean): Release {
    if (exclusive) this.writer = true;
    else this.readers++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (exclusive) this.writer = false;
      else this.readers--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!this.canGrant(head.exclusive)) return;
      this.queue.shift();
      head.grant();
    }
  }
}

/**
 * Serialises async work per key (one blob's metadata record), so read-modify-write of the same
 * record in this process never loses an update. Keys are dropped once idle.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const current = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      done();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export interface StoreLocks {
  gc: RwLock;
  blobMeta: KeyedMutex;
}

// Keyed by the store's real path and kept on globalThis, so two openContentStore() calls on one
// directory — or the ESM and CJS builds of this package loaded side by side — share one lock.
const registryKey = Symbol.for("@exp/content.locks");

export function locksFor(realRoot: string): StoreLocks {
  const holder = globalThis as unknown as Record<symbol, Map<string, StoreLocks> | undefined>;
  let registry = holder[registryKey];
  if (!registry) {
    registry = new Map();
    holder[registryKey] = registry;
  }
  let locks = registry.get(realRoot);
  if (!locks) {
    locks = { gc: new RwLock(), blobMeta: new KeyedMutex() };
    registry.set(realRoot, locks);
  }
  return locks;
}
