import type { Descriptor } from "@exp/oci-spec";
import type { CacheExportContext, CacheExportResult, CacheMode } from "../exporter/cache-exporter.js";
import { leaseHandle } from "../exporter/descriptor-reference.js";
import type { ExportSource } from "../exporter/source.js";
import type { FinalizeFn } from "../exporter/exporter.js";
import { collectCacheExportRecords, type CacheExportRecord } from "./cache-export-records.js";

/**
 * The create phase every remote cache exporter (S3, azblob, gha, a plugin's) shares: a lease of
 * its own holds the records' blobs (created here when a cache needs a compression the image does
 * not have) until every finalizer has ended; an empty result exports nothing; a failure releases
 * the lease. `prepare` turns the records into the layers to upload and the finalize that uploads
 * them (typically @exp/cache-config's buildCacheConfig with layer annotations).
 */
export async function createRemoteCacheExport(
  source: ExportSource,
  ctx: CacheExportContext,
  options: { exporter: string; mode: CacheMode },
  prepare: (records: CacheExportRecord[]) => { layers: readonly Descriptor[]; finalize: FinalizeFn },
): Promise<CacheExportResult> {
  const lease = await ctx.store.leases.create({ labels: { "exp.io/exporter": options.exporter } });
  const hold = leaseHandle(ctx.store, lease.id);
  try {
    const records = await collectCacheExportRecords(source, ctx, { mode: options.mode, compression: { type: "gzip" }, lease: lease.id });
    const { layers, finalize } = prepare(records);
    if (layers.length === 0) {
      ctx.progress.log("skipping cache export for empty result");
      return { hold };
    }
    return { hold, finalize };
  } catch (error) {
    await hold.release();
    throw error;
  }
}
