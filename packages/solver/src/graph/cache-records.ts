import type { ContentStore } from "@exp/content";
import { parseDigest, type Descriptor, type Digest } from "@exp/oci-spec";
import { urlRecordRootPrefix } from "../sources/url-records.js";

/** What a cache key resolves to: the one layer its op produced. */
export interface LayerRecord {
  /**
   * The keys this one was computed from (the base it was copied onto, unless --link, and the
   * node it copied from), so the records form BuildKit's graph of records and inputs for cache export.
   */
  readonly inputs: readonly Digest[];
  /** The key of the filesystem this layer sits on (absent on scratch): its result is that chain plus this layer. */
  readonly base?: Digest;
  readonly diffID: Digest;
  readonly size: number;
  readonly createdAt: string;
  readonly description: string;
}

/**
 * A key whose result is a chain of blobs that exist elsewhere: a base image's layers, or a hit in
 * an imported cache. An exported cache names them as that record's result.
 */
export interface KnownChainRecord {
  readonly layers: ReadonlyArray<{ readonly diffID: Digest; readonly blob: Descriptor; readonly createdAt?: string }>;
  /** For an imported hit: the keys of the record's inputs, as the cache that had it said. */
  readonly inputs?: readonly Digest[];
}

const recordMediaType = "application/vnd.exp.cache.record.v1+json";
const imageRecordMediaType = "application/vnd.exp.cache.image-record.v1+json";
const rootPrefix = "exp.cache/";
const imagePrefix = "exp.cache-image/";

/**
 * The local build cache: cache key -> layer record. A record is a small JSON blob in the content
 * store, named by a root "exp.cache/<key>" (so GC keeps it), with a gc.ref label that keeps the
 * layer's tar blob alive as long as the record is. Pruning a record is deleting its root.
 */
export class CacheRecords {
  constructor(private readonly store: ContentStore) {}

  /** The record for a key whose layer is still in the store, else undefined. */
  async get(key: Digest, options: { signal?: AbortSignal } = {}): Promise<LayerRecord | undefined> {
    const root = await this.store.roots.get(rootPrefix + key, options);
    if (!root) return undefined;
    try {
      const record = JSON.parse((await this.store.readAll(root.digest, options)).toString("utf8")) as LayerRecord;
      parseDigest(record.diffID);
      return (await this.store.exists(record.diffID, options)) ? record : undefined;
    } catch {
      // A record we cannot read is a cache miss, never a failed build.
      return undefined;
    }
  }

  async put(key: Digest, record: LayerRecord, options: { lease?: string; signal?: AbortSignal } = {}): Promise<void> {
    const written = await this.store.writeBlob(JSON.stringify(record), {
      mediaType: recordMediaType,
      labels: { "containerd.io/gc.ref.content.layer": record.diffID, "exp.io/cache-key": key },
      ...(options.lease ? { lease: options.lease } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await this.store.roots.set(rootPrefix + key, { mediaType: recordMediaType, digest: written.digest, size: written.size }, options.signal ? { signal: options.signal } : {});
  }

  /**
   * Forgets every record (`exp prune --all`), the ETag records of downloaded URLs included; the
   * layers and downloads become garbage for the next GC.
   */
  async clear(options: { signal?: AbortSignal } = {}): Promise<number> {
    const keys = await this.keys(options);
    for (const key of keys) await this.store.roots.delete(rootPrefix + key, options);
    for (const { name } of await this.store.roots.list(options)) {
      if (name.startsWith(imagePrefix) || name.startsWith(urlRecordRootPrefix)) await this.store.roots.delete(name, options);
    }
    return keys.length;
  }

  /** Remembers a known chain under its key (small; the blobs stay where they are). */
  /**
   * `lease` holds the record's blob between its write and its root: a GC in that moment (another
   * process's `exp prune`) would otherwise collect it and leave the root naming nothing.
   */
  async putKnownChain(key: Digest, record: KnownChainRecord, options: { lease?: string; signal?: AbortSignal } = {}): Promise<void> {
    const signal = options.signal ? { signal: options.signal } : {};
    if (await this.store.roots.get(imagePrefix + key, signal)) return;
    const written = await this.store.writeBlob(JSON.stringify(record), { mediaType: imageRecordMediaType, ...signal, ...(options.lease ? { lease: options.lease } : {}) });
    await this.store.roots.set(imagePrefix + key, { mediaType: imageRecordMediaType, digest: written.digest, size: written.size }, signal);
  }

  async getKnownChain(key: Digest, options: { signal?: AbortSignal } = {}): Promise<KnownChainRecord | undefined> {
    const root = await this.store.roots.get(imagePrefix + key, options);
    if (!root) return undefined;
    try {
      return JSON.parse((await this.store.readAll(root.digest, options)).toString("utf8")) as KnownChainRecord;
    } catch {
      return undefined;
    }
  }

  /** Every record key, e.g. for the cache exporters and for `exp du`. */
  async keys(options: { signal?: AbortSignal } = {}): Promise<Digest[]> {
    return (await this.store.roots.list(options)).filter((r) => r.name.startsWith(rootPrefix)).map((r) => r.name.slice(rootPrefix.length) as Digest);
  }
}

