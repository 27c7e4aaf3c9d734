import { buildCacheConfig } from "@exp/cache-config";
import { AttrReader, createRemoteCacheExport, eachBlob, type CacheExporter, type CacheExporterInstance } from "@exp/solver";
import { azblobClients, blobExists, defaultTuning, ensureContainer, putManifest, type AzblobTuning } from "./azblob-client.js";
import { AzblobCacheError, isRestError } from "./azblob-error.js";
import { blobName, manifestName } from "./keys.js";
import { azblobKeys, parseAzblobOptions } from "./options.js";
import { uploadBlob } from "./upload/upload-blob.js";

/**
 * `--cache-to type=azblob,account_url=…`: BuildKit's Azure Blob Storage layout
 * (cache/remotecache/azblob). Blobs go to `<prefix>/<blobs_prefix>/sha256:<hex>`, the cache config,
 * with its per-layer annotations, to `<prefix>/<manifests_prefix>/<name>` for every name, in
 * `container`, created when missing. A blob already there is not uploaded again.
 */
export function azblobCacheExporter(tuning: Partial<AzblobTuning> = {}): CacheExporter {
  const t = { ...defaultTuning, ...tuning };
  return {
    type: "azblob",
    resolve(attrs, context): CacheExporterInstance {
      const options = parseAzblobOptions(new AttrReader("cache exporter azblob", attrs, azblobKeys), context?.env ?? process.env);
      return {
        type: "azblob",
        name: `exporting cache to Azure Blob Storage container ${options.container}`,
        mode: options.mode,
        ignoreError: options.ignoreError,
        async export(source, ctx) {
          return createRemoteCacheExport(source, ctx, { exporter: "cache-azblob", mode: options.mode }, (records) => {
            const { config, layers } = buildCacheConfig(records, { layerAnnotations: true });
            return {
              layers,
              finalize: async ({ signal, progress }) => {
                const { container } = await azblobClients(options);
                if ((await ensureContainer(container, signal, t)) === "created") progress.log(`created container ${options.container}`);
                await eachBlob(options.uploadParallelism, layers, signal, async (blob) => {
                  const name = blobName(options, blob.digest);
                  if (await blobExists(container, name, signal, t)) {
                    progress.log(`${blob.digest}: already present`);
                    return;
                  }
                  const outcome = await uploadBlob({
                    client: container.getBlockBlobClient(name),
                    blob,
                    store: ctx.store,
                    signal,
                    blockSize: t.blockSize,
                    blockConcurrency: t.blockConcurrency,
                    idleTimeoutMs: t.blockIdleTimeoutMs,
                    tryTimeoutMs: t.tryTimeoutMs,
                    retry: { attempts: t.maxTries, baseDelayMs: t.retryDelayMs, maxDelayMs: t.maxRetryDelayMs },
                    onBytes: (uploaded) => progress.bytes(blob.digest, "uploading", uploaded, blob.size),
                  }).catch((error: unknown) => Promise.reject(error instanceof AzblobCacheError || signal.aborted || !isRestError(error) ? error : new AzblobCacheError(`uploading ${name} to container ${options.container}`, error)));
                  progress.log(`${blob.digest}: ${outcome === "uploaded" ? "uploaded" : "already present"}`);
                });
                const body = JSON.stringify(config);
                for (const name of options.names) await putManifest(container.getBlockBlobClient(manifestName(options, name)), body, signal, t);
              },
            };
          });
        },
      };
    },
  };
}

export const cacheExporter: CacheExporter = azblobCacheExporter();
export const cacheExporters: readonly CacheExporter[] = [cacheExporter];
