import type { CliIO } from "../../io.js";
import { ago, formatSeconds, shortDigest, table } from "../../util/format.js";
import { openStoreForReading } from "../store/open-store.js";
import type { OutputFormat, StoreOptions } from "../store/store-options.js";
import { recordJson, recordStatus, shortMediaType } from "./history-records.js";

/** `exp history ls`: build records, newest first, each Completed, Error or Canceled. Opens the store read-only. */
export async function runHistoryLs(io: CliIO, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const store = await openStoreForReading(io, options);
  const records = store ? (await store.history.list(io.signal ? { signal: io.signal } : {})).reverse() : [];
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(records.map(recordJson), null, 2)}\n`);
    return 0;
  }
  const now = Date.now();
  io.stdout.write(
    table(
      ["ID", "NAME", "STATUS", "CREATED", "DURATION", "RESULTS"],
      records.map((r) => [
        r.id,
        r.labels?.["exp.io/names"] ?? "-",
        // As buildx: the status only; the error is in exp history inspect.
        recordStatus(r),
        ago(r.createdAt, now),
        r.completedAt ? formatSeconds(r.completedAt.getTime() - r.createdAt.getTime()) : "-",
        r.results.map((d) => `${shortMediaType(d.mediaType)} ${shortDigest(d.digest)}`).join(", ") || "-",
      ]),
    ),
  );
  return 0;
}
