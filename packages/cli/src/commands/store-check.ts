import { checkStore, inspectStoreRoot, notAStoreError, openContentStore, type StoreCheckReport } from "@exp/content";
import type { CliIO } from "../io.js";
import { formatBytes } from "../util/format.js";
import { notAStoreHint } from "./store/open-store.js";
import { storeRoot, type OutputFormat, type StoreOptions } from "./store/store-options.js";

/**
 * `exp store check`: hashes every blob and checks every record and reference (see checkStore in
 * @exp/content). Prints the blobs and bytes checked, one line per fault (code first) and one per
 * kind of tolerated leftover ("note:"), and exits 1 when there is any fault, so a crash test can
 * run it as a plain assertion. Read-only: what dead writers left is reported (as notes), not removed.
 */
export async function runStoreCheck(io: CliIO, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const root = storeRoot(io, options);
  const report = await checkAt(io, root);
  const failed = report.faults.length > 0;
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify({ root, ok: !failed, ...report }, null, 2)}\n`);
  } else {
    const lines = [
      `Checked ${report.blobs} blob${report.blobs === 1 ? "" : "s"} (${formatBytes(report.bytes)}) in ${root}`,
      ...report.faults.map((fault) => `${fault.code}  ${fault.message}`),
      ...report.notes.map((note) => `note: ${note}`),
      `Faults: ${report.faults.length}`,
    ];
    io.stdout.write(`${lines.join("\n")}\n`);
  }
  if (failed) io.stderr.write(`ERROR: the content store at ${root} has ${report.faults.length} fault${report.faults.length === 1 ? "" : "s"}\n`);
  return failed ? 1 : 0;
}

/**
 * A store that does not exist yet is consistent (the next build creates it: a crash test may kill
 * a build before it got that far, even between creating the directory and its first entry), so
 * a missing root or an empty directory is a note. Anything else that is not a store (a file, a
 * mistyped path that holds other things) is an error naming it. The store is opened read-only:
 * the check never creates, tidies or rewrites anything.
 */
async function checkAt(io: CliIO, root: string): Promise<StoreCheckReport> {
  const state = await inspectStoreRoot(root, io.signal ? { signal: io.signal } : {});
  if (state.kind === "missing" || state.kind === "empty") {
    return { blobs: 0, bytes: 0, faults: [], notes: [`no content store at ${root} yet (nothing to check; pass --root or set EXP_ROOT if it is elsewhere)`] };
  }
  if (state.kind !== "store") throw notAStoreError(root, state, notAStoreHint);
  const store = await openContentStore(root, { readOnly: true, ...(io.signal ? { signal: io.signal } : {}) });
  return checkStore(store, io.signal ? { signal: io.signal } : {});
}
