import type { StoreUsage } from "@exp/content";
import type { CliIO } from "../../io.js";
import { ago, formatBytes, table } from "../../util/format.js";
import { openStoreForReading } from "../store/open-store.js";
import { storeRoot, type OutputFormat, type StoreOptions } from "../store/store-options.js";
import { duReport, type DuRow } from "./du-rows.js";

const emptyUsage: StoreUsage = { blobs: [], holders: [], ingestBytes: 0 };

/**
 * `exp du`: what the store holds and what holds it — each image by name, the build cache, the
 * context file hashes, build history, running builds, other roots — and what nothing holds (what
 * `exp prune` reclaims). Opens the store read-only.
 */
export async function runDu(io: CliIO, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const store = await openStoreForReading(io, options);
  const report = duReport(store ? await store.usage(io.signal ? { signal: io.signal } : {}) : emptyUsage);
  if (options.format === "json") {
    const count = (type: DuRow["type"]) => report.rows.filter((r) => r.type === type).reduce((n, r) => n + r.count, 0);
    const json = {
      root: storeRoot(io, options),
      blobs: report.total.blobs,
      bytes: report.total.bytes,
      reclaimableBlobs: report.reclaimable.blobs,
      reclaimableBytes: report.reclaimable.bytes,
      ingestBytes: report.ingestBytes,
      images: count("image"),
      cacheRecords: count("regular"),
      historyRecords: count("history"),
      holders: report.rows.map((row) => ({ ...row, ...(row.lastUsedAt ? { lastUsedAt: row.lastUsedAt.toISOString() } : {}) })),
    };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const now = Date.now();
  io.stdout.write(
    table(
      ["TYPE", "HELD BY", "BLOBS", "SIZE", "UNIQUE", "LAST USED"],
      report.rows.map((row) => [row.type, row.name, String(row.blobs), formatBytes(row.bytes), formatBytes(row.uniqueBytes), row.lastUsedAt ? ago(row.lastUsedAt, now) : ""]),
    ),
  );
  io.stdout.write(
    [
      `Total:        ${report.total.blobs} blobs, ${formatBytes(report.total.bytes)}`,
      `Reclaimable:  ${report.reclaimable.blobs} blobs, ${formatBytes(report.reclaimable.bytes)} (exp prune)`,
      `Ingesting:    ${formatBytes(report.ingestBytes)}`,
    ].join("\n") + "\n",
  );
  return 0;
}
