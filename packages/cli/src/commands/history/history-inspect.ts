import type { CliIO } from "../../io.js";
import { formatBytes, formatSeconds } from "../../util/format.js";
import { openStoreForReading } from "../store/open-store.js";
import { storeRoot, type OutputFormat, type StoreOptions } from "../store/store-options.js";
import { findRecord, recordJson } from "./history-records.js";

/** `exp history inspect <id>`: one record in full. Opens the store read-only. */
export async function runHistoryInspect(io: CliIO, id: string, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const store = await openStoreForReading(io, options);
  const record = await findRecord(store, storeRoot(io, options), id);
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(recordJson(record), null, 2)}\n`);
    return 0;
  }
  const lines = [
    `ID:         ${record.id}`,
    `Created:    ${record.createdAt.toISOString()}`,
    ...(record.completedAt ? [`Completed:  ${record.completedAt.toISOString()}`, `Duration:   ${formatSeconds(record.completedAt.getTime() - record.createdAt.getTime())}`] : []),
    `Status:     ${record.error === undefined ? "Completed" : "Error"}`,
    ...(record.error === undefined ? [] : [`Error:      ${record.error}`]),
    ...Object.entries(record.labels ?? {}).map(([k, v], i) => `${i === 0 ? "Labels:     " : "            "}${k}=${v}`),
    `Results:    ${record.results.length === 0 ? "none" : ""}`.trimEnd(),
    ...record.results.map((d) => `  ${d.mediaType}  ${d.digest}  ${formatBytes(d.size)}`),
  ];
  io.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
