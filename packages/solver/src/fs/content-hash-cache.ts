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

/** The layer-carried xattrs of a file (see LAYER_XATTRS), base64 values; null when it has none. */
export type KnownXattrs = Readonly<Record<string, string>> | null;

/** One persisted entry: identity key, content digest and, when recorded with it, the file's xattrs. */
export type HashCacheEntry = readonly [key: string, digest: Digest, xattrs?: KnownXattrs];

/**
 * sha256 of file contents keyed by (dev, ino, size, mtime, ctime), so a file is hashed once per
 * process however many COPY instructions read it. ctime is in the key because it moves on every
 * write even when a tool restores mtime. With the digest, the carried xattrs the file had: setting
 * or removing an xattr moves ctime too, so a file whose key is found has them still, and the
 * walk of a warm rebuild need not ask the kernel for them file by file (see walkContext).
 */
export class ContentHashCache {
  private readonly digests = new Map<string, Digest>();
  private readonly xattrs = new Map<string, KnownXattrs>();
  /** Lookups answered without reading the file, and those that had to read it. */
  readonly stats = { hits: 0, misses: 0 };
  /** Whether set() changed anything since the cache was made or loaded: an unchanged cache need not be saved again. */
  #changed = false;

  get changed(): boolean {
    return this.#changed;
  }

  get(identity: FileIdentity): Digest | undefined {
    const digest = this.digests.get(keyOf(identity));
    if (digest === undefined) this.stats.misses++;
    else this.stats.hits++;
    return digest;
  }

  /** `xattrs`: the carried xattrs the file had when it was read (null for none), when known. */
  set(identity: FileIdentity, digest: Digest, xattrs?: KnownXattrs): void {
    const key = keyOf(identity);
    if (this.digests.get(key) !== digest || !sameXattrs(this.xattrs.get(key), xattrs)) this.#changed = true;
    this.digests.set(key, digest);
    if (xattrs === undefined) this.xattrs.delete(key);
    else this.xattrs.set(key, xattrs);
  }

  /** The carried xattrs recorded for this version of the file: null for none, undefined when not known. */
  knownXattrs(identity: FileIdentity): KnownXattrs | undefined {
    return this.xattrs.get(keyOf(identity));
  }

  /** Every entry, for persisting the cache between builds. */
  entries(): HashCacheEntry[] {
    return [...this.digests].map(([key, digest]): HashCacheEntry => {
      const xattrs = this.xattrs.get(key);
      return xattrs === undefined ? [key, digest] : [key, digest, xattrs];
    });
  }

  /** Adds persisted entries (see entries()). */
  load(entries: Iterable<HashCacheEntry>): void {
    for (const [key, digest, xattrs] of entries) {
      this.digests.set(key, digest);
      if (xattrs !== undefined) this.xattrs.set(key, xattrs);
    }
  }

  get size(): number {
    return this.digests.size;
  }

  clear(): void {
    if (this.digests.size > 0) this.#changed = true;
    this.digests.clear();
    this.xattrs.clear();
  }
}

function sameXattrs(a: KnownXattrs | undefined, b: KnownXattrs | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
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
