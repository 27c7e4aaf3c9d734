import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { listBlobFiles } from "./blobs.js";
import { isNotFound, listDir } from "./fs-util.js";
import { listHistory } from "./history.js";
import type { Layout } from "./layout.js";
import { isExpired, listAllLeases, readLeaseResources } from "./leases.js";
import type { StoreLocks } from "./lock.js";
import { ReferenceGraph } from "./reference-graph.js";
import type { Reference } from "./references.js";
import { listRootUses } from "./roots.js";

/** One thing that keeps blobs alive, with the blobs (present in the store) it reaches. */
export type Holder =
  | { kind: "lease"; id: string; createdAt: Date; labels: Record<string, string>; reaches: Digest[] }
  | { kind: "history"; id: string; createdAt: Date; completedAt?: Date; reaches: Digest[] }
  /** `lastUsedAt`: when the root was last set or read (see roots.get). */
  | { kind: "root"; name: string; descriptor: Descriptor; lastUsedAt: Date; reaches: Digest[] };

/** What holds what: the raw material of `exp du`'s attribution and of prune's space limits. */
export interface StoreUsage {
  /** Every blob in blobs/ when the pass began, sorted by digest. */
  blobs: Array<{ digest: Digest; size: number }>;
  /** Live leases (oldest first), then history records (oldest first), then roots (by name). */
  holders: Holder[];
  /** Bytes in ingest/: writes in progress, or left by writers that died. */
  ingestBytes: number;
}

/**
 * Reaches from every holder on its own, the way gc marks (one graph, so shared manifests are read
 * once). Reads in gc's order — blobs, then leases, then history and roots — under the shared gc
 * lock, so a blob a concurrent writer links meanwhile is simply not listed. A blob no holder
 * reaches is what gc would delete (except in the instant a root is being replaced or compared by
 * deleteRoot, which gc counts and this does not). Writes nothing.
 */
export async function storeUsage(ctx: { layout: Layout; locks: StoreLocks }, signal?: AbortSignal): Promise<StoreUsage> {
  const { layout, locks } = ctx;
  throwIfAborted(signal, "usage");
  return locks.gc.withShared(async () => {
    const blobs: Array<{ digest: Digest; size: number }> = [];
    for await (const blob of listBlobFiles(layout, signal)) blobs.push(blob);
    blobs.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
    const present = new Set(blobs.map((b) => b.digest));
    const graph = new ReferenceGraph(layout, signal);
    const reach = async (refs: Reference[]): Promise<Digest[]> => [...(await graph.reach(refs))].filter((d) => present.has(d)).sort();

    const holders: Holder[] = [];
    const now = new Date();
    for (const lease of await listAllLeases(layout)) {
      throwIfAborted(signal, "usage");
      if (isExpired(lease, now)) continue;
      holders.push({ kind: "lease", id: lease.id, createdAt: lease.createdAt, labels: lease.labels, reaches: await reach(await readLeaseResources(layout, lease.id)) });
    }
    for (const record of await listHistory(layout, signal)) {
      const holder: Holder = { kind: "history", id: record.id, createdAt: record.createdAt, reaches: await reach(record.results.map(descriptorReference)) };
      if (record.completedAt) holder.completedAt = record.completedAt;
      holders.push(holder);
    }
    for (const root of await listRootUses(layout, signal)) {
      holders.push({ kind: "root", ...root, reaches: await reach([descriptorReference(root.descriptor)]) });
    }
    return { blobs, holders, ingestBytes: await ingestBytes(layout) };
  }, { signal });
}

function descriptorReference(descriptor: { digest: Digest; mediaType: string }): Reference {
  return { digest: descriptor.digest, mediaType: descriptor.mediaType };
}

/** Bytes in ingest/ (each entry's own size; a vanished entry counts nothing). */
export async function ingestBytes(layout: Layout): Promise<number> {
  let total = 0;
  for (const name of await listDir(layout.ingestDir)) {
    try {
      total += (await lstat(join(layout.ingestDir, name))).size;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return total;
}
