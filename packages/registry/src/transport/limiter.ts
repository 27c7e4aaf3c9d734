import { Semaphore } from "@exp/locks";

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
      pair = { blob: new Semaphore(this.limits.blobs, "waiting for a registry connection slot"), manifest: new Semaphore(this.limits.manifests, "waiting for a registry connection slot") };
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
