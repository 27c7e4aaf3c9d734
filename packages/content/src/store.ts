import { mkdir, realpath } from "node:fs/promises";
import { join, resolve } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { parseDigest, type Descriptor, type Digest } from "@exp/oci-spec";
import { checkLabelPatch, updateBlobMeta } from "./blob-meta.js";
import { blobInfo, blobSize, deleteBlob, listBlobFiles, readBlob, readBlobAll } from "./blobs.js";
import { InvalidArgumentError, NotFoundError } from "./errors.js";
import { listDir, removeTree } from "./fs-util.js";
import { findByLabel } from "./find-by-label.js";
import { diskUsage, runGc } from "./gc.js";
import { guarded } from "./guard.js";
import { deleteHistory, getHistory, listHistory, putHistory } from "./history.js";
import { ingest, writeBlob } from "./ingest.js";
import { ensureLabelIndex } from "./label-index.js";
import { Layout } from "./layout.js";
import {
  addLeaseResource,
  createLease,
  getLiveLease,
  isExpired,
  listAllLeases,
  releaseLease,
  removeLeaseResource,
  requireLeaseResources,
  toLeaseResource,
} from "./leases.js";
import { locksFor, type StoreLocks } from "./lock.js";
import { checkName } from "./names.js";
import { checkDate } from "./records.js";
import { deleteRoot, getRoot, listRoots, setRoot } from "./roots.js";
import { removeStaleTempFiles } from "./temp-files.js";
import type { BlobInfo, ContentStore, HistoryRecord, IngestOptions, IngestResult, IngestSource, PruneResult, SignalOption } from "./types.js";

/**
 * Opens (creating if needed) the content store at `root`, and removes what crashed writers left:
 * ingest temp files whose pid is dead, and leases whose removal was interrupted. Builds the label
 * index when it is missing or may have lost entries in a machine crash (once per boot).
 */
export async function openContentStore(root: string, options: SignalOption = {}): Promise<ContentStore> {
  if (typeof root !== "string" || root === "") throw new InvalidArgumentError("content store root", root, "a directory path");
  const absolute = resolve(root);
  return guarded(`opening content store ${absolute}`, async () => {
    throwIfAborted(options.signal, `opening content store ${absolute}`);
    const layout = new Layout(absolute);
    for (const dir of layout.directories) await mkdir(dir, { recursive: true });
    // One lock per directory, however the caller spelled the path.
    const locks = locksFor(await realpath(absolute));
    await removeStaleTempFiles(layout.ingestDir);
    for (const name of await listDir(layout.trashDir)) await removeTree(join(layout.trashDir, name));
    await ensureLabelIndex(layout, options.signal);
    return new DiskContentStore(layout, locks);
  });
}

function checkDigest(value: unknown): Digest {
  if (typeof value !== "string") throw new InvalidArgumentError("digest", value, 'a string "sha256:<hex>"');
  parseDigest(value);
  return value as Digest;
}

class DiskContentStore implements ContentStore {
  readonly root: string;
  readonly leases: ContentStore["leases"];
  readonly history: ContentStore["history"];
  readonly roots: ContentStore["roots"];
  private readonly layout: Layout;
  private readonly locks: StoreLocks;

  constructor(layout: Layout, locks: StoreLocks) {
    this.layout = layout;
    this.locks = locks;
    this.root = layout.root;
    this.leases = this.makeLeases();
    this.history = this.makeHistory();
    this.roots = this.makeRoots();
  }

  private get ctx() {
    return { layout: this.layout, locks: this.locks };
  }

  ingest(source: IngestSource, options?: IngestOptions): Promise<IngestResult> {
    return guarded("ingest", () => ingest(this.ctx, source, options));
  }

  writeBlob(data: Uint8Array | string, options?: IngestOptions): Promise<IngestResult> {
    return guarded("writeBlob", () => writeBlob(this.ctx, data, options));
  }

  exists(digest: Digest, options: SignalOption = {}): Promise<boolean> {
    return guarded(`exists ${digest}`, async () => {
      checkDigest(digest);
      throwIfAborted(options.signal, `exists ${digest}`);
      return (await blobSize(this.layout, digest)) !== undefined;
    });
  }

  info(digest: Digest, options: SignalOption = {}): Promise<BlobInfo> {
    return guarded(`info ${digest}`, async () => {
      checkDigest(digest);
      throwIfAborted(options.signal, `info ${digest}`);
      const info = await blobInfo(this.layout, digest);
      if (!info) throw new NotFoundError(digest);
      return info;
    });
  }

  read(digest: Digest, options: { start?: number; end?: number; signal?: AbortSignal } = {}): Promise<NodeJS.ReadableStream & AsyncIterable<Buffer>> {
    return guarded(`read ${digest}`, async () => readBlob(this.layout, checkDigest(digest), options));
  }

  readAll(digest: Digest, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<Buffer> {
    return guarded(`readAll ${digest}`, async () => readBlobAll(this.layout, checkDigest(digest), options));
  }

  setLabels(digest: Digest, labels: Record<string, string | null>, options: SignalOption = {}): Promise<BlobInfo> {
    return guarded(`setLabels ${digest}`, async () => {
      checkDigest(digest);
      const patch = checkLabelPatch(labels);
      throwIfAborted(options.signal, `setLabels ${digest}`);
      const before = await blobInfo(this.layout, digest);
      if (!before) throw new NotFoundError(digest);
      const meta = await updateBlobMeta(this.layout, this.locks.blobMeta, digest, patch, { fallbackCreatedAt: before.createdAt, signal: options.signal });
      return { digest, size: before.size, labels: meta.labels, createdAt: meta.createdAt };
    });
  }

  delete(digest: Digest, options: SignalOption = {}): Promise<boolean> {
    return guarded(`delete ${digest}`, async () => {
      checkDigest(digest);
      throwIfAborted(options.signal, `delete ${digest}`);
      return deleteBlob(this.layout, this.locks.blobMeta, digest);
    });
  }

  async *list(options: SignalOption = {}): AsyncIterable<BlobInfo> {
    const files = listBlobFiles(this.layout, options.signal);
    for (;;) {
      const next = await guarded("list blobs", () => files.next());
      if (next.done) return;
      const info = await guarded(`info ${next.value.digest}`, () => blobInfo(this.layout, next.value.digest));
      if (info) yield info; // undefined: deleted while listing
    }
  }

  findByLabel(key: string, value?: string, options: SignalOption = {}): Promise<BlobInfo[]> {
    return guarded(`findByLabel ${key}`, async () => {
      if (typeof key !== "string" || key === "") throw new InvalidArgumentError("label key", key, "a non-empty string");
      if (value !== undefined && typeof value !== "string") throw new InvalidArgumentError("label value", value, "a string");
      return findByLabel(this.layout, this.locks.blobMeta, key, value, options.signal);
    });
  }

  gc(options: SignalOption = {}) {
    return guarded("gc", () => runGc(this.ctx, options.signal));
  }

  du(options: SignalOption = {}) {
    return guarded("du", () => diskUsage(this.ctx, options.signal));
  }

  prune(options: { olderThan?: Date; signal?: AbortSignal } = {}): Promise<PruneResult> {
    return guarded("prune", async () => {
      const olderThan = options.olderThan === undefined ? undefined : checkDate("prune olderThan", options.olderThan);
      const removedHistory: string[] = [];
      for (const record of await listHistory(this.layout, options.signal)) {
        if (olderThan !== undefined && record.createdAt.getTime() >= olderThan.getTime()) continue;
        throwIfAborted(options.signal, "prune");
        if (await deleteHistory(this.layout, record.id)) removedHistory.push(record.id);
      }
      return { removedHistory, gc: await runGc(this.ctx, options.signal) };
    });
  }

  private makeLeases(): ContentStore["leases"] {
    const { layout, locks } = this;
    return {
      create: (options = {}) => guarded("create lease", () => createLease(layout, options)),
      addResource: (leaseId, resource, options = {}) =>
        guarded(`add resource to lease ${JSON.stringify(leaseId)}`, async () => {
          checkName("lease id", leaseId);
          const checked = toLeaseResource(resource);
          // Shared with ingest commits, exclusive with gc: an entry is either seen by a running gc or
          // written after it finished.
          await locks.gc.withShared(() => addLeaseResource(layout, leaseId, checked, options.signal), options);
        }),
      removeResource: (leaseId, digest, options = {}) =>
        guarded(`remove resource from lease ${JSON.stringify(leaseId)}`, async () => {
          checkDigest(digest);
          throwIfAborted(options.signal, "removeResource");
          await removeLeaseResource(layout, leaseId, digest);
        }),
      resources: (leaseId, options = {}) =>
        guarded(`list resources of lease ${JSON.stringify(leaseId)}`, async () => {
          throwIfAborted(options.signal, "resources");
          return (await requireLeaseResources(layout, leaseId)).map((r) => r.digest);
        }),
      release: (leaseId, options = {}) =>
        guarded(`release lease ${JSON.stringify(leaseId)}`, async () => {
          checkName("lease id", leaseId);
          await locks.gc.withShared(async () => {
            await releaseLease(layout, leaseId);
          }, options);
        }),
      get: (leaseId, options = {}) =>
        guarded(`get lease ${JSON.stringify(leaseId)}`, async () => {
          throwIfAborted(options.signal, "get lease");
          return getLiveLease(layout, leaseId);
        }),
      list: (options = {}) =>
        guarded("list leases", async () => {
          throwIfAborted(options.signal, "list leases");
          const now = new Date();
          return (await listAllLeases(layout)).filter((lease) => !isExpired(lease, now));
        }),
    };
  }

  private makeHistory(): ContentStore["history"] {
    const { layout } = this;
    return {
      put: (record: HistoryRecord, options = {}) => guarded("put history", () => putHistory(layout, record, options.signal)),
      get: (id, options = {}) =>
        guarded(`get history ${JSON.stringify(id)}`, async () => {
          throwIfAborted(options.signal, "get history");
          return getHistory(layout, id);
        }),
      list: (options = {}) => guarded("list history", () => listHistory(layout, options.signal)),
      delete: (id, options = {}) =>
        guarded(`delete history ${JSON.stringify(id)}`, async () => {
          throwIfAborted(options.signal, "delete history");
          return deleteHistory(layout, id);
        }),
    };
  }

  private makeRoots(): ContentStore["roots"] {
    const { layout } = this;
    return {
      set: (name: string, descriptor: Descriptor, options = {}) => guarded(`set root ${JSON.stringify(name)}`, () => setRoot(layout, name, descriptor, options.signal)),
      get: (name, options = {}) =>
        guarded(`get root ${JSON.stringify(name)}`, async () => {
          throwIfAborted(options.signal, "get root");
          return getRoot(layout, name);
        }),
      delete: (name, options = {}) =>
        guarded(`delete root ${JSON.stringify(name)}`, async () => {
          throwIfAborted(options.signal, "delete root");
          return deleteRoot(layout, name);
        }),
      list: (options = {}) => guarded("list roots", () => listRoots(layout, options.signal)),
    };
  }
}
