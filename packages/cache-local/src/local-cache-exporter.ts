import { InvalidOptionError } from "@exp/errors";
import { AttrReader, collectCacheExportRecords, compressionTypes, leaseHandle, type CacheExporter, type CacheExporterInstance, type CacheMode } from "@exp/solver";
import { writeCacheManifest } from "./cache-manifest.js";
import { writeCacheDir } from "./write-cache-dir.js";

const keys = ["dest", "mode", "tag", "reset", "compression", "compression-level", "force-compression", "image-manifest", "oci-mediatypes", "ignore-error"] as const;

/**
 * `--cache-to type=local,dest=<dir>`: BuildKit's local cache, an OCI layout holding a cache
 * manifest. The create phase collects the records and their blobs (mode=min: only what exists,
 * e.g. what the image exporters just made) and writes the config and manifest into the store; the
 * finalize phase writes the directory.
 */
export const cacheExporter: CacheExporter = {
  type: "local",
  resolve(attrs): CacheExporterInstance {
    const component = "cache exporter local";
    const reader = new AttrReader(component, attrs, keys);
    const dest = reader.required("dest", "give the cache directory, e.g. dest=.cache/exp");
    const mode = reader.oneOf("mode", ["min", "max"] as const, "min") as CacheMode;
    const tag = reader.string("tag") ?? "latest";
    const reset = reader.bool("reset", false);
    const type = reader.oneOf("compression", compressionTypes, "gzip");
    const level = reader.int("compression-level", type === "zstd" ? { min: 0, max: 22 } : { min: 0, max: 9 });
    const force = reader.bool("force-compression", false);
    const ociMediaTypes = reader.bool("oci-mediatypes", true);
    const imageManifest = reader.bool("image-manifest", ociMediaTypes);
    if (imageManifest && !ociMediaTypes) throw new InvalidOptionError(component, "image-manifest", "true", "false with oci-mediatypes=false (an image manifest cache needs OCI media types)");
    const ignoreError = reader.bool("ignore-error", false);
    return {
      type: "local",
      name: `exporting cache to client directory ${dest}`,
      mode,
      ignoreError,
      async export(source, ctx) {
        const lease = await ctx.store.leases.create({ labels: { "exp.io/exporter": "cache-local" } });
        const hold = leaseHandle(ctx.store, lease.id);
        try {
          const records = await collectCacheExportRecords(source, ctx, { mode, compression: { type, ...(level === undefined ? {} : { level }), force }, lease: lease.id });
          const written = await writeCacheManifest(ctx.store, records, { imageManifest, lease: lease.id, signal: ctx.signal });
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
