import { cacheExportKeys, parseCacheExportOptions, writeCacheManifest } from "@exp/cache-local";
import type { Digest } from "@exp/oci-spec";
import { createRegistryClient, parseReference, type BlobSource } from "@exp/registry";
import { AttrReader, collectCacheExportRecords, leaseHandle, type CacheExporter, type CacheExporterInstance } from "@exp/solver";

/** The option table of `--cache-to type=registry` (what its AttrReader accepts). */
export const registryCacheExportKeys = ["ref", "registry.insecure", ...cacheExportKeys] as const;

/**
 * `--cache-to type=registry,ref=<repo:tag>`: BuildKit's registry cache. The create phase collects
 * the records and their blobs (mode=min: only what exists) and writes the config and manifest into
 * the store; finalize pushes every blob at once through the build's registry client (its per-host
 * limiter is shared with the image push; a blob the image exporter pushes to the same registry at
 * the same time is uploaded once and mounted here), then the manifest under the tag.
 */
export const cacheExporter: CacheExporter = {
  type: "registry",
  resolve(attrs): CacheExporterInstance {
    const reader = new AttrReader("cache exporter registry", attrs, registryCacheExportKeys);
    const ref = parseReference(reader.required("ref", "give the cache image, e.g. ref=registry.example/app:buildcache"));
    const { mode, compression, imageManifest, ociMediaTypes, ignoreError } = parseCacheExportOptions(reader);
    const insecure = reader.bool("registry.insecure", false);
    return {
      type: "registry",
      name: `exporting cache to registry ${ref.toString()}`,
      mode,
      ignoreError,
      async export(source, ctx) {
        const lease = await ctx.store.leases.create({ labels: { "exp.io/exporter": "cache-registry" } });
        const hold = leaseHandle(ctx.store, lease.id);
        try {
          // A blob the registry already has (a base layer in this registry) is mounted, not fetched.
          const records = await collectCacheExportRecords(source, ctx, { mode, compression, lease: lease.id, allowRemote: true });
          const written = await writeCacheManifest(ctx.store, records, { imageManifest, ociMediaTypes, lease: lease.id, signal: ctx.signal });
          if (!written) {
            ctx.progress.log("skipping cache export for empty result");
            return { hold };
          }
          const origins = new Map<string, { registry: string; repository: string }>();
          for (const result of source.results) for (const layer of result.ref.layers) if (layer.origin) for (const b of layer.knownBlobs ?? []) origins.set(b.digest, layer.origin);
          return {
            response: { "cache.manifest": JSON.stringify(written.root) },
            hold,
            finalize: async ({ signal, progress }) => {
              const client = insecure || !ctx.registry ? createRegistryClient({ insecure: insecure ? [ref.registry] : [] }) : ctx.registry;
              await Promise.all(
                written.blobs.map((blob) => {
                  const origin = origins.get(blob.digest);
                  const mountFrom = origin && origin.registry === ref.registry ? [origin.repository] : [];
                  const openFrom = async (start: number, s: AbortSignal | undefined) => {
                    // A remote base blob that could not be mounted: fetch it once into the store, then upload.
                    if (!(await ctx.store.exists(blob.digest))) {
                      const diffID = blob.annotations?.["containerd.io/uncompressed"] as Digest | undefined;
                      const layer = diffID ? source.knownLayer?.(diffID) ?? source.results.flatMap((r) => r.ref.layers).find((l) => l.diffID === diffID) : undefined;
                      await layer?.fetchBlob?.({ lease: lease.id, ...(s ? { signal: s } : {}) });
                    }
                    return ctx.store.read(blob.digest, { start, ...(s ? { signal: s } : {}) });
                  };
                  const blobSource: BlobSource = {
                    digest: blob.digest,
                    size: blob.size,
                    open: ({ signal: s }) => openFrom(0, s),
                    openFrom: (start, { signal: s }) => openFrom(start, s),
                  };
                  return client.pushBlob(ref, blobSource, { signal, mountFrom, onProgress: (n, total) => progress.bytes(blob.digest, "uploading", n, total) });
                }),
              );
              await client.putManifest(ref, await ctx.store.readAll(written.root.digest, { signal }), written.root.mediaType, { signal });
            },
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
