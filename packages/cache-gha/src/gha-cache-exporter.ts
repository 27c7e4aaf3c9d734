import { buildCacheConfig } from "@exp/cache-config";
import { AttrReader, createRemoteCacheExport, eachBlob, type CacheExporter, type CacheExporterInstance } from "@exp/solver";
import { GhaCacheError } from "./gha-error.js";
import { blobKey, indexKey } from "./keys.js";
import { ghaKeys, parseGhaOptions, type GhaCacheOptions } from "./options.js";
import { PERMISSION_WRITE, writeScope } from "./runtime-token.js";
import { saveBlobEntry, saveMutableEntry } from "./entries.js";
import { serviceFor } from "./service/cache-service.js";
import { defaultGhaTuning, type GhaTuning } from "./tuning.js";

/**
 * `--cache-to type=gha`: BuildKit's GitHub Actions cache (cache/remotecache/gha/gha.go, Finalize).
 * Every layer blob the cache needs is the entry `buildkit-blob-1-<digest>`, looked up first and
 * uploaded only when missing; then the cache config, with its per-layer annotations, is saved as
 * the newest `index-<scope>-1-<hash of the token's write scope>#N` of every `scope`. BuildKit
 * uploads one blob at a time ("TODO: push parallel"); exp uploads `blobParallelism` at once.
 */
export function ghaCacheExporter(tuning: Partial<GhaTuning> = {}): CacheExporter {
  const t = { ...defaultGhaTuning, ...tuning };
  return {
    type: "gha",
    resolve(attrs, context): CacheExporterInstance {
      const options = parseGhaOptions(new AttrReader("cache exporter gha", attrs, ghaKeys), context?.env ?? process.env);
      return {
        type: "gha",
        name: `exporting cache to GitHub Actions cache (scope ${options.scopes.join(", ")})`,
        mode: options.mode,
        ignoreError: options.ignoreError,
        async export(source, ctx) {
          return createRemoteCacheExport(source, ctx, { exporter: "cache-gha", mode: options.mode }, (records) => {
            const { config, layers } = buildCacheConfig(records, { layerAnnotations: true });
            const tokenScope = writeScope(options.runtimeToken);
            if (tokenScope === undefined && layers.length > 0) {
              throw new GhaCacheError("exporting cache to GitHub Actions cache", { status: 403, message: `the runtime token may write no scope (it grants ${describeScopes(options)})` });
            }
            return {
              layers,
              finalize: async ({ signal, progress }) => {
                const service = serviceFor(options, t);
                await eachBlob(t.blobParallelism, layers, signal, async (blob) => {
                  const key = blobKey(blob.digest);
                  if (await service.lookup(key, [key], signal)) {
                    progress.log(`${blob.digest}: already present`);
                    return;
                  }
                  const outcome = await saveBlobEntry(service, key, blob, { store: ctx.store, onBytes: (uploaded) => progress.bytes(blob.digest, "uploading", uploaded, blob.size) }, signal, t.azblob);
                  progress.log(`${blob.digest}: ${outcome === "uploaded" ? "uploaded" : "already present"}`);
                });
                const body = JSON.stringify(config);
                for (const scope of options.scopes) {
                  const written = await saveMutableEntry(service, indexKey(tokenScope!, scope), body, signal, t.azblob);
                  progress.log(`cache index of scope ${scope}: ${written}`);
                }
              },
            };
          });
        },
      };
    },
  };
}

function describeScopes(options: GhaCacheOptions): string {
  const list = options.runtimeToken.scopes.map((s) => `${s.scope} (${(s.permission & PERMISSION_WRITE) !== 0 ? "read-write" : "read"})`);
  return list.length === 0 ? "no scope at all" : list.join(", ");
}

export const cacheExporter: CacheExporter = ghaCacheExporter();
export const cacheExporters: readonly CacheExporter[] = [cacheExporter];
