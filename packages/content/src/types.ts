import type { LeaseHolder } from "./lease-holder.js";
import type { StoreUsage } from "./usage.js";
import type { Descriptor, Digest } from "@exp/oci-spec";

export interface BlobInfo {
  digest: Digest;
  size: number;
  labels: Record<string, string>;
  createdAt: Date;
}

/** A Node stream or any async iterable of byte chunks; content is streamed, never buffered whole. */
export type IngestSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

export interface IngestOptions {
  signal?: AbortSignal;
  /** Checked while streaming; on mismatch DigestMismatchError / SizeMismatchError is thrown and nothing is committed. */
  expected?: { digest?: Digest; size?: number };
  /** Merged into the blob's labels. */
  labels?: Record<string, string>;
  /** Lease id: the blob is added to this lease before it becomes visible in blobs/, so a concurrent gc() cannot delete it. */
  lease?: string;
  /** Recorded as the label "exp.io/media-type" (and on the lease resource) so gc can follow the blob's references. */
  mediaType?: string;
  onProgress?: (bytesWritten: number) => void;
}

export interface IngestResult {
  digest: Digest;
  size: number;
  /** False when the blob was already in the store. */
  created: boolean;
}

export interface Lease {
  id: string;
  createdAt: Date;
  expiresAt?: Date;
  labels: Record<string, string>;
  /** The process holding it (leases without an expiry): gone with it, as if expired. */
  holder?: LeaseHolder;
}

export interface HistoryRecord {
  id: string;
  createdAt: Date;
  completedAt?: Date;
  results: Descriptor[];
  labels?: Record<string, string>;
  error?: string;
  // The fields below are optional so that records written before them (and by callers that do
  // not know them) still read; they are typed fields rather than labels because they are lists
  // and maps (outputs with their attributes, build args, counts), which flat string labels would
  // only hold as JSON inside a string.
  /** True when the build was interrupted (Ctrl-C, a signal, an abort) rather than failed; `error` says how. */
  canceled?: boolean;
  /** What the build was asked for, as `buildx history inspect` shows it. Free of secrets: the writer masks them. */
  request?: HistoryRequest;
  /** How many build steps ran, finished, and were cache hits. */
  steps?: HistoryStepCounts;
  /** The warnings the build printed, in order. */
  warnings?: string[];
}

/** A build's inputs: the context, the Dockerfile, its arguments, and where the result and its cache went. */
export interface HistoryRequest {
  /** e.g. "dockerfile". */
  frontend?: string;
  /** The context directory (absolute). */
  context?: string;
  /** The Dockerfile (absolute). */
  dockerfile?: string;
  target?: string;
  /** `linux/amd64`, ... as given. */
  platforms?: string[];
  buildArgs?: Record<string, string>;
  /** `-o` (and `--push`, the default image), each with its attributes. */
  outputs?: HistorySpec[];
  /** `--cache-to`. */
  cacheTo?: HistorySpec[];
  /** `--cache-from`. */
  cacheFrom?: HistorySpec[];
}

/** One `--output` / `--cache-to` / `--cache-from`: its type and its other attributes. */
export interface HistorySpec {
  type: string;
  attrs: Record<string, string>;
}

export interface HistoryStepCounts {
  /** Steps the build had (BuildKit's NumTotalSteps). */
  total: number;
  /** Steps that finished, cached ones included. */
  completed: number;
  /** Steps that were cache hits. */
  cached: number;
}

export interface GcResult {
  deleted: Digest[];
  reclaimedBytes: number;
  expiredLeases: string[];
  removedIngests: number;
  /** Temp files that processes killed while taking a lock under locks/ left (see @exp/locks). */
  removedLockTempFiles: number;
}

export interface DiskUsage {
  blobs: number;
  bytes: number;
  reclaimableBlobs: number;
  reclaimableBytes: number;
  ingestBytes: number;
}

export interface PruneResult {
  removedHistory: string[];
  /** Roots removed by `remove.roots`. */
  removedRoots: string[];
  /** Roots `remove.roots` named that were kept: gone already, set to another digest or used meanwhile. */
  keptRoots: string[];
  gc: GcResult;
}

/**
 * A root for prune to remove; with `digest`, only while it still names that digest; with
 * `lastUsedAt`, only if nobody has read or set it since (see roots.get).
 */
export interface RootRemoval {
  name: string;
  digest?: Digest;
  lastUsedAt?: Date;
}

export interface PruneOptions {
  /** Removes the history records created before this (every record when neither this nor `remove` is given). */
  olderThan?: Date;
  /** Removes exactly these history records and roots instead (not with `olderThan`). */
  remove?: { history?: readonly string[]; roots?: readonly RootRemoval[] };
  signal?: AbortSignal;
}

export interface OpenOptions {
  signal?: AbortSignal;
  /**
   * Default true: a missing store is created. False: the root must hold a store already
   * (NotAStoreError otherwise); it is still tidied up (dead ingests, lease trash, label index).
   */
  create?: boolean;
  /**
   * Opens an existing store (NotAStoreError otherwise) without writing anything, ever: no
   * directory is created, nothing left by dead writers is removed, the label index is not rebuilt
   * (findByLabel reads every record instead when it is not complete), roots read are not marked
   * used, and every method that would write throws ReadOnlyStoreError (ERR_STORE_READ_ONLY).
   */
  readOnly?: boolean;
}

export interface SignalOption {
  signal?: AbortSignal;
}

export interface LeaseResource {
  digest: Digest;
  mediaType?: string;
}

export interface ContentStore {
  readonly root: string;
  /** Opened with `readOnly: true`: every write throws ReadOnlyStoreError. */
  readonly readOnly: boolean;
  ingest(source: IngestSource, options?: IngestOptions): Promise<IngestResult>;
  writeBlob(data: Uint8Array | string, options?: IngestOptions): Promise<IngestResult>;
  exists(digest: Digest, options?: SignalOption): Promise<boolean>;
  info(digest: Digest, options?: SignalOption): Promise<BlobInfo>;
  read(digest: Digest, options?: { start?: number; end?: number; signal?: AbortSignal }): Promise<NodeJS.ReadableStream & AsyncIterable<Buffer>>;
  readAll(digest: Digest, options?: { signal?: AbortSignal; maxBytes?: number }): Promise<Buffer>;
  /**
   * Reads the whole blob only to check it still hashes to its digest (DigestMismatchError if not)
   * and returns its size: for a caller that sends ranges of a blob and needs the whole checked.
   */
  verify(digest: Digest, options?: SignalOption): Promise<number>;
  setLabels(digest: Digest, labels: Record<string, string | null>, options?: SignalOption): Promise<BlobInfo>;
  delete(digest: Digest, options?: SignalOption): Promise<boolean>;
  list(options?: SignalOption): AsyncIterable<BlobInfo>;
  findByLabel(key: string, value?: string, options?: SignalOption): Promise<BlobInfo[]>;
  readonly leases: {
    create(options?: { id?: string; labels?: Record<string, string>; expiresAt?: Date; heldByProcess?: boolean; signal?: AbortSignal }): Promise<Lease>;
    addResource(leaseId: string, resource: Digest | { digest: Digest; mediaType?: string }, options?: SignalOption): Promise<void>;
    removeResource(leaseId: string, digest: Digest, options?: SignalOption): Promise<void>;
    resources(leaseId: string, options?: SignalOption): Promise<Digest[]>;
    release(leaseId: string, options?: SignalOption): Promise<void>;
    get(leaseId: string, options?: SignalOption): Promise<Lease | undefined>;
    list(options?: SignalOption): Promise<Lease[]>;
  };
  readonly history: {
    put(record: HistoryRecord, options?: SignalOption): Promise<void>;
    get(id: string, options?: SignalOption): Promise<HistoryRecord | undefined>;
    list(options?: SignalOption): Promise<HistoryRecord[]>;
    delete(id: string, options?: SignalOption): Promise<boolean>;
  };
  readonly roots: {
    set(name: string, descriptor: Descriptor, options?: SignalOption): Promise<void>;
    /** A hit marks the root used now (its file's mtime), unless the store is read-only. */
    get(name: string, options?: SignalOption): Promise<Descriptor | undefined>;
    /**
     * False when there was no such root, or it was kept: with `ifDigest` it names another digest
     * now, with `ifUnusedSince` it was read or set after that time.
     */
    delete(name: string, options?: SignalOption & { ifDigest?: Digest; ifUnusedSince?: Date }): Promise<boolean>;
    list(options?: SignalOption): Promise<Array<{ name: string; descriptor: Descriptor }>>;
  };
  gc(options?: SignalOption): Promise<GcResult>;
  du(options?: SignalOption): Promise<DiskUsage>;
  /** Every holder (live lease, history record, root) with the blobs it reaches: what holds what. */
  usage(options?: SignalOption): Promise<StoreUsage>;
  prune(options?: PruneOptions): Promise<PruneResult>;
}
