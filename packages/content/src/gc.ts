import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { isTempName } from "./atomic-write.js";
import { removeBlobMeta } from "./blob-meta.js";
import { blobSize, deleteBlob, listBlobFiles } from "./blobs.js";
import { listDir, mapLimit, removeTree } from "./fs-util.js";
import { listHistory } from "./history.js";
import type { Layout } from "./layout.js";
import { listRecordedDigests, sweepLabelIndex } from "./label-index.js";
import { removeLockLeftovers } from "./lock-leftovers.js";
import { isExpired, listAllLeases, readLeaseResources, releaseLease, removeLeaseDebris } from "./leases.js";
import type { StoreLocks } from "./lock.js";
import { ReferenceGraph } from "./reference-graph.js";
import type { Reference } from "./references.js";
import { listRootsForGc } from "./roots.js";
import { removeStaleTempFiles } from "./temp-files.js";
import type { DiskUsage, GcResult } from "./types.js";
import { ingestBytes } from "./usage.js";

// Mark and sweep. The order of the reads is what makes GC safe against writers in OTHER processes
// (which the in-process lock cannot see):
//
//   1. list blobs/ (the sweep candidates),   2. read leases,   3. read history and roots.
//
// A writer commits a blob by (a) adding it to its lease, (b) linking it into blobs/, then later
// (c) recording it in history or a root and (d) releasing the lease. A blob that is a candidate
// was linked before step 1, so its lease entry (a) predates step 2 and is seen — unless the lease
// was already released (d) by step 2, in which case (c) happened before step 3 and the record is
// seen instead. Blobs linked after step 1 are not candidates at all. Within one process the
// read/write lock makes this airtight even for an ingest that only re-labels an existing blob.

/** How many unreachable blobs gc deletes at once. */
const DELETE_CONCURRENCY = 8;

interface GcContext {
  layout: Layout;
  locks: StoreLocks;
}

/** The references GC starts from: live leases' resources, then history results, then roots (in this order, see above). */
async function collectRoots(layout: Layout, now: Date, signal: AbortSignal | undefined): Promise<Reference[]> {
  const roots: Reference[] = [];
  for (const lease of await listAllLeases(layout)) {
    throwIfAborted(signal, "gc");
    if (isExpired(lease, now)) continue;
    roots.push(...(await readLeaseResources(layout, lease.id)));
  }
  for (const record of await listHistory(layout, signal)) roots.push(...record.results.map(descriptorReference));
  for (const descriptor of await listRootsForGc(layout, signal)) roots.push(descriptorReference(descriptor));
  return roots;
}

function descriptorReference(descriptor: { digest: Digest; mediaType: string }): Reference {
  return { digest: descriptor.digest, mediaType: descriptor.mediaType };
}

interface Plan {
  candidates: Array<{ digest: Digest; size: number }>;
  unreachable: Array<{ digest: Digest; size: number }>;
}

async function plan(layout: Layout, now: Date, signal: AbortSignal | undefined): Promise<Plan> {
  const candidates: Array<{ digest: Digest; size: number }> = [];
  for await (const blob of listBlobFiles(layout, signal)) candidates.push(blob);
  const marked = await new ReferenceGraph(layout, signal).reach(await collectRoots(layout, now, signal));
  return { candidates, unreachable: candidates.filter((c) => !marked.has(c.digest)) };
}

/**
 * Collects garbage. `first` runs inside the same exclusive section, before anything is listed:
 * prune removes history records and roots there, so that no ingest commit or lease change in this
 * process lands between dropping a root and sweeping what it held, and an in-process du sees the
 * store wholly before or wholly after.
 */
export async function runGc(ctx: GcContext, signal?: AbortSignal, first?: () => Promise<void>): Promise<GcResult> {
  const { layout, locks } = ctx;
  throwIfAborted(signal, "gc");
  return locks.gc.withExclusive(async () => {
    await first?.();
    const now = new Date();
    const expiredLeases: string[] = [];
    for (const lease of await listAllLeases(layout)) {
      if (!isExpired(lease, now)) continue;
      throwIfAborted(signal, "gc");
      if (await releaseLease(layout, lease.id)) expiredLeases.push(lease.id);
    }
    await removeLeaseDebris(layout);
    const ingestScan = await removeStaleTempFiles(layout.ingestDir);

    const { unreachable } = await plan(layout, now, signal);
    const deleted: Digest[] = [];
    let reclaimedBytes = 0;
    // Each deletion stands alone, so stopping part-way on abort leaves a consistent store; a few
    // run at once, since each is several small filesystem calls (blob, record, index hints).
    await mapLimit(unreachable, DELETE_CONCURRENCY, async (blob) => {
      throwIfAborted(signal, "gc");
      if (await deleteBlob(layout, locks.blobMeta, blob.digest)) {
        deleted.push(blob.digest);
        reclaimedBytes += blob.size;
      }
    });

    await removeOrphanMetadata(ctx, signal);
    await removeMetadataLeftovers(layout);
    const removedLockTempFiles = await removeLockLeftovers(layout);
    // After the deletions and orphan records: removes the index hints of blobs without a record.
    await sweepLabelIndex(layout, locks.blobMeta, signal);
    return { deleted: deleted.sort(), reclaimedBytes, expiredLeases: expiredLeases.sort(), removedIngests: ingestScan.removed, removedLockTempFiles };
  }, { signal });
}

/**
 * Blob records whose blob is gone (a crash between deleting a blob and its record, or during an
 * ingest that wrote the record and died before linking the blob). Ingest writes the record before
 * linking, so while another process has an ingest in flight a record without a blob may be about
 * to get one: then this step waits for a later gc.
 */
async function removeOrphanMetadata(ctx: GcContext, signal: AbortSignal | undefined): Promise<void> {
  const { layout, locks } = ctx;
  const records = await listRecordedDigests(layout);
  // Listed first, then checked for foreign writers: a writer that starts after this check writes
  // a record that was not listed.
  const { foreignLive } = await removeStaleTempFiles(layout.ingestDir);
  if (foreignLive > 0) return;
  for (const digest of records) {
    throwIfAborted(signal, "gc");
    if ((await blobSize(layout, digest)) === undefined) await removeBlobMeta(layout, locks.blobMeta, digest);
  }
}

/** Temp files of crashed metadata writers, and leases whose removal a crash interrupted. */
async function removeMetadataLeftovers(layout: Layout): Promise<void> {
  for (const algorithm of await listDir(layout.blobMetaDir)) await removeStaleTempFiles(join(layout.blobMetaDir, algorithm), isTempName);
  await removeStaleTempFiles(layout.historyDir, isTempName);
  await removeStaleTempFiles(layout.rootsDir, isTempName);
  await removeStaleTempFiles(layout.leasesDir, (name) => name.startsWith(".tmp-"));
  // A trash entry was already detached from its lease by an atomic rename; only deletion is left.
  for (const name of await listDir(layout.trashDir)) await removeTree(join(layout.trashDir, name));
}

export async function diskUsage(ctx: GcContext, signal?: AbortSignal): Promise<DiskUsage> {
  const { layout, locks } = ctx;
  throwIfAborted(signal, "du");
  return locks.gc.withShared(async () => {
    // Expired leases count as gone here too: gc would delete them first.
    const { candidates, unreachable } = await plan(layout, new Date(), signal);
    return {
      blobs: candidates.length,
      bytes: sum(candidates),
      reclaimableBlobs: unreachable.length,
      reclaimableBytes: sum(unreachable),
      ingestBytes: await ingestBytes(layout),
    };
  }, { signal });
}

function sum(blobs: Array<{ size: number }>): number {
  return blobs.reduce((total, blob) => total + blob.size, 0);
}
