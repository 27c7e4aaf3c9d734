import { statSync } from "node:fs";
import { InvalidOptionError } from "@exp/errors";
import { AttrReader, collectCacheExportRecords, leaseHandle, type CacheExporter, type CacheExporterInstance } from "@exp/solver";
import { cacheExportKeys, parseCacheExportOptions } from "./cache-options.js";
import { writeCacheManifest } from "./cache-manifest.js";
import { writeCacheDir } from "./write-cache-dir.js";

/** The option table of `--cache-to type=local` (what its AttrReader accepts). */
export const localCacheExportKeys = ["dest", "tag", "reset", ...cacheExportKeys] as const;

/**
 * `--cache-to type=local,dest=<dir>`: BuildKit's local cache, an OCI layout holding a cache
 * manifest. The create phase collects the records and their blobs (mode=min: only what exists,
 * e.g. what the image exporters just made) and writes the config and manifest into the store; the
 * finalize phase writes the directory.
 */
export const cacheExporter: CacheExporter = {
  type: "local",
  resolve(attrs): CacheExporterInstance {
    const reader = new AttrReader("cache exporter local", attrs, localCacheExportKeys);
    const dest = reader.required("dest", "give the cache directory, e.g. dest=.cache/exp");
    // Found before the build rather than as a bare ENOTDIR when the blobs are written.
    if (statSync(dest, { throwIfNoEntry: false })?.isDirectory() === false) throw new InvalidOptionError("cache exporter local", "dest", dest, "a directory (it is a file)");
    const tag = reader.string("tag") ?? "latest";
    const reset = reader.bool("reset", false);
    const { mode, compression, imageManifest, ociMediaTypes, ignoreError } = parseCacheExportOptions(reader);
    return {
      type: "local",
      name: `exporting cache to client directory ${dest}`,
      mode,
      ignoreError,
      async export(source, ctx) {
        const lease = await ctx.store.leases.create({ labels: { "exp.io/exporter": "cache-local" } });
        const hold = leaseHandle(ctx.store, lease.id);
        try {
          const records = await collectCacheExportRecords(source, ctx, { mode, compression, lease: lease.id });
          const written = await writeCacheManifest(ctx.store, records, { imageManifest, ociMediaTypes, lease: lease.id, signal: ctx.signal });
          if (!written) {
            ctx.progress.log("skipping cache export for empty result");
            return { hold };
          }
          return {
            response: { "cache.manifest": JSON.stringify(written.root) },
            hold,
            finalize: ({ signal }) => writeCacheDir(ctx.store, dest, written.root, written.blobs, { tag, reset, signal }),
          };
        } catch (error) {
          await hold.release();
          throw error;
        }
      },
    };
  },
};

export const cacheExporters: readonly CacheExporter[] = [cacheExporter];
