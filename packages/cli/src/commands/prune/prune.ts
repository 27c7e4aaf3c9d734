import { statfs } from "node:fs/promises";
import type { PruneResult } from "@exp/content";
import type { CliIO } from "../../io.js";
import { formatBytes } from "../../util/format.js";
import { confirm } from "../store/confirm.js";
import { openStoreForRemoving } from "../store/open-store.js";
import { storeRoot, type OutputFormat, type StoreOptions } from "../store/store-options.js";
import { planPrune, removesRecords, type PrunePlan } from "./prune-plan.js";
import { pruneSelection, type PruneFlags } from "./prune-selection.js";
import { pruneWarning } from "./prune-warning.js";

export interface PruneOptions extends StoreOptions, PruneFlags {
  force?: boolean;
  format: OutputFormat;
}

const nothing: PrunePlan = { records: [], inUse: [], history: [], roots: [] };

/**
 * `exp prune`: removes what nothing references (blobs, expired leases, what killed builds left:
 * abandoned ingests, the temp files of locks they were taking)
 * and, with `-a`, `--filter` or a space limit, build cache records, the build context file hashes
 * and build history records too (see planPrune), then collects every blob they alone held. The
 * records go and the blobs are swept in one exclusive section of the store's gc lock. A cache
 * record a running build may be using is kept — one read since the oldest running build began, or
 * read or set again after prune chose it — so a concurrent build never loses a cache hit it
 * relies on. Images are never pruned.
 */
export async function runPrune(io: CliIO, options: PruneOptions): Promise<number> {
  const selection = pruneSelection(io, options);
  const store = await openStoreForRemoving(io, options);
  if (!options.force) {
    const question = `${pruneWarning(selection)}\nAre you sure you want to continue? [y/N] `;
    if (!(await confirm(io, question, "exp prune asks for confirmation on a terminal; pass -f/--force to prune without asking"))) {
      io.stderr.write("Prune cancelled (pass -f/--force to prune without this question).\n");
      return 1;
    }
  }
  const signal = io.signal ? { signal: io.signal } : {};
  let plan = nothing;
  let result: PruneResult = { removedHistory: [], removedRoots: [], keptRoots: [], gc: { deleted: [], reclaimedBytes: 0, expiredLeases: [], removedIngests: 0, removedLockTempFiles: 0 } };
  if (store) {
    if (removesRecords(selection)) {
      const free = selection.limits.minFreeSpace ? await freeBytes(store.root) : 0;
      plan = planPrune(await store.usage(signal), selection, Date.now(), free);
    }
    result = await store.prune({ remove: { history: plan.history, roots: plan.roots }, ...signal });
  }
  const removedRoots = new Set(result.removedRoots);
  const removedHistory = new Set(result.removedHistory);
  const removed = plan.records.filter((r) => (r.type === "history" ? removedHistory : removedRoots).has(r.id));
  if (options.format === "json") {
    io.stdout.write(
      `${JSON.stringify(
        {
          root: storeRoot(io, options),
          removed: removed.map((r) => ({ ...r, lastUsedAt: r.lastUsedAt.toISOString() })),
          kept: [...plan.inUse, ...result.keptRoots].sort(),
          deletedBlobs: result.gc.deleted.length,
          reclaimedBytes: result.gc.reclaimedBytes,
          expiredLeases: result.gc.expiredLeases,
          removedIngests: result.gc.removedIngests,
          removedLockTempFiles: result.gc.removedLockTempFiles,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const history = removed.filter((r) => r.type === "history");
    const lines = [
      `Deleted build history records: ${history.length}`,
      ...history.map((r) => `  ${r.id}`),
      `Deleted build cache records: ${removed.length - history.length}`,
      ...(plan.inUse.length + result.keptRoots.length > 0 ? [`Kept build cache records running builds use: ${plan.inUse.length + result.keptRoots.length}`] : []),
      `Deleted blobs: ${result.gc.deleted.length}`,
      ...(result.gc.expiredLeases.length > 0 ? [`Expired leases removed: ${result.gc.expiredLeases.length}`] : []),
      ...(result.gc.removedIngests > 0 ? [`Abandoned ingests removed: ${result.gc.removedIngests}`] : []),
      ...(result.gc.removedLockTempFiles > 0 ? [`Lock temp files of killed builds removed: ${result.gc.removedLockTempFiles}`] : []),
      `Total reclaimed space: ${formatBytes(result.gc.reclaimedBytes)}`,
    ];
    io.stdout.write(`${lines.join("\n")}\n`);
  }
  if (plan.keepBytes !== undefined && plan.usedAfter !== undefined && plan.usedAfter > plan.keepBytes) {
    io.stderr.write(
      `WARNING: the store still uses ${formatBytes(plan.usedAfter)}, more than the ${formatBytes(Math.max(0, plan.keepBytes))} the limits allow: the rest is held by images (exp image rm), running builds, or records the filters keep (see exp du)\n`,
    );
  }
  return 0;
}

/** Free bytes on the store's filesystem, for --min-free-space. */
async function freeBytes(root: string): Promise<number> {
  const stats = await statfs(root);
  return Number(stats.bavail) * Number(stats.bsize);
}
