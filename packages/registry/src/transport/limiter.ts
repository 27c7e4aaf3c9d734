import { AbortedError } from "@exp/errors";

/** A counting semaphore whose waiters can give up through an AbortSignal. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(private size: number) {}

  get inUse(): number {
    return this.active;
  }

  resize(size: number): void {
    this.size = size;
    this.drain();
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new AbortedError("waiting for a registry connection slot", signal.reason);
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
        reject(new AbortedError("waiting for a registry connection slot", signal?.reason));
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

export type RequestClass = "blob" | "manifest";

export interface HostLimits {
  /** Concurrent blob transfers per registry host. BuildKit's default is 4. */
  blobs: number;
  /** Concurrent manifest/tag requests per host, counted apart so a manifest never waits behind big blobs. */
  manifests: number;
}

export const defaultHostLimits: HostLimits = { blobs: 4, manifests: 2 };

/**
 * One pair of semaphores per registry host. Everything that talks to a host (image push, cache
 * push, base-image pulls) must share one instance, so parallel finalizers cannot multiply the
 * connections a registry sees; `sharedHostLimiters` is that instance for the whole process.
 */
export class HostLimiters {
  private readonly hosts = new Map<string, Record<RequestClass, Semaphore>>();
  private limits: HostLimits;

  constructor(limits: Partial<HostLimits> = {}) {
    this.limits = { ...defaultHostLimits, ...limits };
  }

  configure(limits: Partial<HostLimits>): void {
    this.limits = { ...this.limits, ...limits };
    for (const pair of this.hosts.values()) {
      pair.blob.resize(this.limits.blobs);
      pair.manifest.resize(this.limits.manifests);
    }
  }

  get(host: string, kind: RequestClass): Semaphore {
    let pair = this.hosts.get(host);
    if (!pair) {
      pair = { blob: new Semaphore(this.limits.blobs), manifest: new Semaphore(this.limits.manifests) };
      this.hosts.set(host, pair);
    }
    return pair[kind];
  }

  /** Runs `work` holding one slot of the host's class. */
  async run<T>(host: string, kind: RequestClass, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const release = await this.get(host, kind).acquire(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }
}

export const sharedHostLimiters = new HostLimiters();
