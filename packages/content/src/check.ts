import { throwIfAborted } from "@exp/errors";
import { checkBlobFiles } from "./check-blobs.js";
import { checkLeases } from "./check-leases.js";
import { checkLeftovers } from "./check-leftovers.js";
import { checkBlobRecords } from "./check-records.js";
import { checkReferences } from "./check-references.js";
import { CheckLog, type StoreCheckReport } from "./check-report.js";
import { InvalidArgumentError } from "./errors.js";
import { guarded } from "./guard.js";
import { Layout } from "./layout.js";
import type { ContentStore, SignalOption } from "./types.js";

/**
 * Verifies the store on disk: every blob's bytes against its digest (streamed), every record
 * parses, and every reference the store promises to keep resolvable resolves. What counts as a
 * fault is what the store's own write order rules out, so that a store left by a process killed at
 * any point checks clean: a crash leaves temp files, orphan records, stale index hints, and lease
 * entries for blobs never linked — all tolerated and cleaned up by the store itself, so they are
 * reported as notes. Faults are corruption or lost content: a blob that does not hash to its name,
 * a record that does not parse, a root or history record naming a missing blob, a descriptor
 * whose size is not its blob's, a label without its index hint.
 *
 * Read-only. Meant for a quiet store; against concurrent writers it re-checks a missing blob or
 * hint before reporting it, so a gc or label change in another process is not taken for damage.
 */
export async function checkStore(store: ContentStore, options: SignalOption = {}): Promise<StoreCheckReport> {
  const root = (store as { root?: unknown } | null)?.root;
  if (typeof root !== "string" || root === "") throw new InvalidArgumentError("content store", root, "a store from openContentStore");
  const { signal } = options;
  return guarded(`checking content store ${root}`, async () => {
    throwIfAborted(signal, "checking the content store");
    const layout = new Layout(root);
    const log = new CheckLog();
    const scan = await checkBlobFiles(layout, log, signal);
    await checkBlobRecords(layout, scan.sizes, log, signal);
    await checkLeases(layout, scan.sizes, log, signal);
    await checkReferences(layout, scan.sizes, log, signal);
    await checkLeftovers(layout, log, signal);
    return log.report(scan.blobs, scan.bytes);
  });
}
