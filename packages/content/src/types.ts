import type { LeaseHolder } from "./lease-holder.js";
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
}

export interface GcResult {
  deleted: Digest[];
  reclaimedBytes: number;
  expiredLeases: string[];
  removedIngests: number;
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
  gc: GcResult;
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
  ingest(source: IngestSource, options?: IngestOptions): Promise<IngestResult>;
  writeBlob(data: Uint8Array | string, options?: IngestOptions): Promise<IngestResult>;
  exists(digest: Digest, options?: SignalOption): Promise<boolean>;
  info(digest: Digest, options?: SignalOption): Promise<BlobInfo>;
  read(digest: Digest, options?: { start?: number; end?: number; signal?: AbortSignal }): Promise<NodeJS.ReadableStream & AsyncIterable<Buffer>>;
  readAll(digest: Digest, options?: { signal?: AbortSignal; maxBytes?: number }): Promise<Buffer>;
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
    get(name: string, options?: SignalOption): Promise<Descriptor | undefined>;
    delete(name: string, options?: SignalOption): Promise<boolean>;
    list(options?: SignalOption): Promise<Array<{ name: string; descriptor: Descriptor }>>;
  };
  gc(options?: SignalOption): Promise<GcResult>;
  du(options?: SignalOption): Promise<DiskUsage>;
  prune(options?: { olderThan?: Date; signal?: AbortSignal }): Promise<PruneResult>;
}
