import { stat } from "node:fs/promises";
import { checkStore, type StoreCheckReport } from "@exp/content";
import { ExpError } from "@exp/errors";
import type { CliIO } from "../io.js";
import { formatBytes } from "../util/format.js";
import { openStore, storeRoot, type OutputFormat, type StoreOptions } from "./store-commands.js";

/**
 * `exp store check`: hashes every blob and checks every record and reference (see checkStore in
 * @exp/content). Prints the blobs and bytes checked, one line per fault (code first) and one per
 * kind of tolerated leftover ("note:"), and exits 1 when there is any fault, so a crash test can
 * run it as a plain assertion. Like every command it opens the store first, which removes the
 * ingest temp files and lease trash of dead processes.
 */
export async function runStoreCheck(io: CliIO, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const root = storeRoot(io, options);
  const report = await checkAt(io, options, root);
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
 * a build before it got that far) and is not created here, so a mistyped --root shows up as the
 * note rather than as a new empty store.
 */
async function checkAt(io: CliIO, options: StoreOptions, root: string): Promise<StoreCheckReport> {
  const info = await stat(root).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw error;
  });
  if (!info) return { blobs: 0, bytes: 0, faults: [], notes: [`no content store at ${root} yet (nothing to check; pass --root or set EXP_ROOT if it is elsewhere)`] };
  if (!info.isDirectory()) throw new ExpError("ERR_STORE_NOT_A_DIRECTORY", `${root} is not a content store: it is not a directory`);
  const store = await openStore(io, options);
  return checkStore(store, io.signal ? { signal: io.signal } : {});
}
