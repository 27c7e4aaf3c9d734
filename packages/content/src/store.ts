import { mkdir, realpath } from "node:fs/promises";
import { join, resolve } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { parseDigest, type Descriptor, type Digest } from "@exp/oci-spec";
import { checkLabelPatch, updateBlobMeta } from "./blob-meta.js";
import { blobInfo, blobSize, deleteBlob, listBlobFiles, readBlob, readBlobAll, verifyBlob } from "./blobs.js";
import { fsyncDir } from "./atomic-write.js";
import { InvalidArgumentError, NotFoundError, ReadOnlyStoreError } from "./errors.js";
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
import { requireStoreRoot } from "./store-root.js";
import type { BlobInfo, ContentStore, HistoryRecord, IngestOptions, IngestResult, IngestSource, OpenOptions, PruneOptions, PruneResult, RootRemoval, SignalOption } from "./types.js";
import { storeUsage } from "./usage.js";

/**
 * Opens (creating if needed, unless `create: false`) the content store at `root`, and removes what
 * crashed writers left: ingest temp files whose pid is dead, and leases whose removal was
 * interrupted. Builds the label index when it is missing or may have lost entries in a machine
 * crash (once per boot). With `readOnly: true` it does none of that and writes nothing (see
 * OpenOptions); a root that holds no store is then a NotAStoreError naming it.
 */
export async function openContentStore(root: string, options: OpenOptions = {}): Promise<ContentStore> {
  if (typeof root !== "string" || root === "") throw new InvalidArgumentError("content store root", root, "a directory path");
  const absolute = resolve(root);
  return guarded(`opening content store ${absolute}`, async () => {
    throwIfAborted(options.signal, `opening content store ${absolute}`);
    const layout = new Layout(absolute);
    if (options.readOnly || options.create === false) await requireStoreRoot(absolute, options.signal ? { signal: options.signal } : {});
    // One lock per directory, however the caller spelled the path.
    if (options.readOnly) return new DiskContentStore(layout, locksFor(await realpath(absolute)), true);
    for (const dir of layout.directories) await mkdir(dir, { recursive: true });
    const locks = locksFor(await realpath(absolute));
    await removeStaleTempFiles(layout.ingestDir);
    for (const name of await listDir(layout.trashDir)) await removeTree(join(layout.trashDir, name));
    await ensureLabelIndex(layout, options.signal);
    return new DiskContentStore(layout, locks, false);
  });
}

function checkDigest(value: unknown): Digest {
  if (typeof value !== "string") throw new InvalidArgumentError("digest", value, 'a string "sha256:<hex>"');
  parseDigest(value);
  return value as Digest;
}

class DiskContentStore implements ContentStore {
  readonly root: string;
  readonly readOnly: boolean;
  readonly leases: ContentStore["leases"];
  readonly history: ContentStore["history"];
  readonly roots: ContentStore["roots"];
  private readonly layout: Layout;
  private readonly locks: StoreLocks;

  constructor(layout: Layout, locks: StoreLocks, readOnly: boolean) {
    this.layout = layout;
    this.locks = locks;
    this.root = layout.root;
    this.readOnly = readOnly;
    this.leases = this.makeLeases();
    this.history = this.makeHistory();
    this.roots = this.makeRoots();
  }

  private get ctx() {
    return { layout: this.layout, locks: this.locks };
  }

  /** Rejects a write on a read-only store, before it touches anything. */
  private writable(operation: string): void {
    if (this.readOnly) throw new ReadOnlyStoreError(this.root, operation);
  }

  ingest(source: IngestSource, options?: IngestOptions): Promise<IngestResult> {
    return guarded("ingest", async () => {
      this.writable("ingest a blob");
      return ingest(this.ctx, source, options);
    });
  }

  writeBlob(data: Uint8Array | string, options?: IngestOptions): Promise<IngestResult> {
    return guarded("writeBlob", async () => {
      this.writable("write a blob");
      return writeBlob(this.ctx, data, options);
    });
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

  verify(digest: Digest, options: SignalOption = {}): Promise<number> {
    return guarded(`verify ${digest}`, async () => verifyBlob(this.layout, checkDigest(digest), options));
  }

  setLabels(digest: Digest, labels: Record<string, string | null>, options: SignalOption = {}): Promise<BlobInfo> {
    return guarded(`setLabels ${digest}`, async () => {
      checkDigest(digest);
      const patch = checkLabelPatch(labels);
      this.writable("set labels");
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
      this.writable("delete a blob");
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
      return findByLabel(this.layout, this.locks.blobMeta, key, value, options.signal, { readOnly: this.readOnly });
    });
  }

  gc(options: SignalOption = {}) {
    return guarded("gc", async () => {
      this.writable("collect garbage");
      return runGc(this.ctx, options.signal);
    });
  }

  du(options: SignalOption = {}) {
    return guarded("du", () => diskUsage(this.ctx, options.signal));
  }

  usage(options: SignalOption = {}) {
    return guarded("usage", () => storeUsage(this.ctx, options.signal));
  }

  prune(options: PruneOptions = {}): Promise<PruneResult> {
    return guarded("prune", async () => {
      const removal = checkPruneOptions(options);
      this.writable("prune");
      const { signal } = options;
      const result = { removedHistory: [] as string[], removedRoots: [] as string[], keptRoots: [] as string[] };
      // Removed inside gc's exclusive section (see runGc), then swept in the same pass.
      const gc = await runGc(this.ctx, signal, async () => {
        const history = removal.history ?? (await listHistory(this.layout, signal)).filter((r) => removal.olderThan === undefined || r.createdAt.getTime() < removal.olderThan.getTime()).map((r) => r.id);
        for (const id of history) {
          throwIfAborted(signal, "prune");
          if (await deleteHistory(this.layout, id)) result.removedHistory.push(id);
        }
        for (const root of removal.roots) {
          throwIfAborted(signal, "prune");
          if (await deleteRoot(this.layout, root.name, { ...(root.digest ? { digest: root.digest } : {}), ...(root.lastUsedAt ? { unusedSince: root.lastUsedAt } : {}) })) {
            result.removedRoots.push(root.name);
          }
          else result.keptRoots.push(root.name);
        }
        // Durable before anything is swept: a crash must not bring back a root whose blobs are gone.
        if (result.removedRoots.length > 0) await fsyncDir(this.layout.rootsDir);
        if (result.removedHistory.length > 0) await fsyncDir(this.layout.historyDir);
      });
      return { ...result, gc };
    });
  }

  private makeLeases(): ContentStore["leases"] {
    const { layout, locks } = this;
    const writable = (operation: string) => this.writable(operation);
    return {
      create: (options = {}) =>
        guarded("create lease", async () => {
          writable("create a lease");
          return createLease(layout, options);
        }),
      addResource: (leaseId, resource, options = {}) =>
        guarded(`add resource to lease ${JSON.stringify(leaseId)}`, async () => {
          checkName("lease id", leaseId);
          const checked = toLeaseResource(resource);
          writable("add a lease resource");
          // Shared with ingest commits, exclusive with gc: an entry is either seen by a running gc or
          // written after it finished.
          await locks.gc.withShared(() => addLeaseResource(layout, leaseId, checked, options.signal), options);
        }),
      removeResource: (leaseId, digest, options = {}) =>
        guarded(`remove resource from lease ${JSON.stringify(leaseId)}`, async () => {
          checkDigest(digest);
          writable("remove a lease resource");
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
          writable("release a lease");
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
    const writable = (operation: string) => this.writable(operation);
    return {
      put: (record: HistoryRecord, options = {}) =>
        guarded("put history", async () => {
          writable("write a history record");
          return putHistory(layout, record, options.signal);
        }),
      get: (id, options = {}) =>
        guarded(`get history ${JSON.stringify(id)}`, async () => {
          throwIfAborted(options.signal, "get history");
          return getHistory(layout, id);
        }),
      list: (options = {}) => guarded("list history", () => listHistory(layout, options.signal)),
      delete: (id, options = {}) =>
        guarded(`delete history ${JSON.stringify(id)}`, async () => {
          writable("delete a history record");
          throwIfAborted(options.signal, "delete history");
          return deleteHistory(layout, id);
        }),
    };
  }

  private makeRoots(): ContentStore["roots"] {
    const { layout, readOnly } = this;
    const writable = (operation: string) => this.writable(operation);
    return {
      set: (name: string, descriptor: Descriptor, options = {}) =>
        guarded(`set root ${JSON.stringify(name)}`, async () => {
          writable("set a root");
          return setRoot(layout, name, descriptor, options.signal);
        }),
      get: (name, options = {}) =>
        guarded(`get root ${JSON.stringify(name)}`, async () => {
          throwIfAborted(options.signal, "get root");
          return getRoot(layout, name, { touch: !readOnly });
        }),
      delete: (name, options = {}) =>
        guarded(`delete root ${JSON.stringify(name)}`, async () => {
          const condition = {
            ...(options.ifDigest === undefined ? {} : { digest: checkDigest(options.ifDigest) }),
            ...(options.ifUnusedSince === undefined ? {} : { unusedSince: checkDate("ifUnusedSince", options.ifUnusedSince) }),
          };
          writable("delete a root");
          throwIfAborted(options.signal, "delete root");
          return deleteRoot(layout, name, condition);
        }),
      list: (options = {}) => guarded("list roots", () => listRoots(layout, options.signal)),
    };
  }
}

/** prune's options, checked: either `remove` (exact records and roots) or `olderThan`. */
function checkPruneOptions(options: PruneOptions): { olderThan?: Date; history?: string[]; roots: RootRemoval[] } {
  const olderThan = options.olderThan === undefined ? undefined : checkDate("prune olderThan", options.olderThan);
  if (options.remove === undefined) return olderThan === undefined ? { roots: [] } : { olderThan, roots: [] };
  if (olderThan !== undefined) throw new InvalidArgumentError("prune options", { olderThan: olderThan.toISOString(), remove: "…" }, "either olderThan or remove, not both");
  const { history = [], roots = [] } = options.remove;
  if (!Array.isArray(history)) throw new InvalidArgumentError("prune remove.history", history, "an array of history ids");
  if (!Array.isArray(roots)) throw new InvalidArgumentError("prune remove.roots", roots, "an array of { name, digest? }");
  return {
    history: history.map((id) => checkName("history id", id)),
    roots: roots.map((root: RootRemoval) => {
      const name = checkName("root name", root?.name);
      return {
        name,
        ...(root.digest === undefined ? {} : { digest: checkDigest(root.digest) }),
        ...(root.lastUsedAt === undefined ? {} : { lastUsedAt: checkDate(`prune remove.roots lastUsedAt of ${JSON.stringify(name)}`, root.lastUsedAt) }),
      };
    }),
  };
}
