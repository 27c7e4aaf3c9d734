import type { Readable } from "node:stream";
import { throwIfAborted } from "@exp/errors";
import { Digester, type Digest } from "@exp/oci-spec";

/** What identifies one version of a file on disk without reading it. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/**
 * sha256 of file contents keyed by (dev, ino, size, mtime, ctime), so a file is hashed once per
 * process however many COPY instructions read it. ctime is in the key because it moves on every
 * write even when a tool restores mtime. Kept in memory only (persisting it is a later step).
 */
export class ContentHashCache {
  private readonly digests = new Map<string, Digest>();
  /** Lookups answered without reading the file, and those that had to read it. */
  readonly stats = { hits: 0, misses: 0 };

  get(identity: FileIdentity): Digest | undefined {
    const digest = this.digests.get(keyOf(identity));
    if (digest === undefined) this.stats.misses++;
    else this.stats.hits++;
    return digest;
  }

  set(identity: FileIdentity, digest: Digest): void {
    this.digests.set(keyOf(identity), digest);
  }

  /** Every entry, for persisting the cache between builds. */
  entries(): Array<[string, Digest]> {
    return [...this.digests];
  }

  /** Adds persisted entries (see entries()). */
  load(entries: Iterable<readonly [string, Digest]>): void {
    for (const [key, digest] of entries) this.digests.set(key, digest);
  }

  get size(): number {
    return this.digests.size;
  }

  clear(): void {
    this.digests.clear();
  }
}

/** The cache shared by every contextFsSource of this process unless one is given. */
export const defaultContentHashCache = new ContentHashCache();

function keyOf(identity: FileIdentity): string {
  return `${identity.dev}:${identity.ino}:${identity.size}:${identity.mtimeMs}:${identity.ctimeMs}`;
}

/** Hashes bytes held whole; returns the digest and their length. */
export function hashBuffer(bytes: Uint8Array): { digest: Digest; size: number } {
  const digester = new Digester();
  digester.update(bytes);
  return { digest: digester.digest(), size: digester.size };
}

/** Hashes a stream chunk by chunk; returns the digest and the number of bytes seen. */
export async function hashStream(stream: Readable, signal?: AbortSignal): Promise<{ digest: Digest; size: number }> {
  const digester = new Digester();
  // Leaving the loop early (an abort) destroys the stream; a stream read to its end is left as is,
  // because destroying a FileHandle stream closes the handle even with autoClose: false.
  for await (const chunk of stream) {
    throwIfAborted(signal, "hashing file content");
    digester.update(chunk as Buffer);
  }
  return { digest: digester.digest(), size: digester.size };
}
