import type { Readable } from "node:stream";
import { combineAnnotatedConfigs } from "@exp/cache-config";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache } from "@exp/solver";
import { openBlobEntry, readEntryText } from "./entries.js";
import { serviceFor } from "./service/cache-service.js";
import { blobKey, indexKey } from "./keys.js";
import { ghaKeys, parseGhaOptions } from "./options.js";
import { defaultGhaTuning, type GhaTuning } from "./tuning.js";

/**
 * `--cache-from type=gha`: as BuildKit's importer (gha.go, Resolve and loadScope), the newest
 * index of every `scope` under every scope the runtime token names (the current branch, then the
 * base and default branches GitHub lets it read), combined in that order; a blob entry is looked
 * up and fetched (verified, resumed where it broke) only when an exporter needs its bytes.
 */
export function ghaCacheImporter(tuning: Partial<GhaTuning> = {}): CacheImporter {
  const t = { ...defaultGhaTuning, ...tuning };
  return {
    type: "gha",
    resolve(attrs, context): CacheImporterInstance {
      const options = parseGhaOptions(new AttrReader("cache importer gha", attrs, ghaKeys), context?.env ?? process.env);
      return {
        type: "gha",
        name: `importing cache from GitHub Actions cache (scope ${options.scopes.join(", ")})`,
        async load(ctx) {
          const service = serviceFor(options, t);
          const keys = options.scopes.flatMap((scope) => options.runtimeToken.scopes.map((tokenScope) => indexKey(tokenScope.scope, scope)));
          // A key may repeat (two token scopes never hash alike, but a scope may be named twice).
          const unique = [...new Set(keys)];
          const texts = await Promise.all(
            unique.map(async (key) => {
              const found = await service.lookup(key, [key], ctx.signal);
              return found === undefined ? undefined : readEntryText(found.downloadUrl, `cache entry ${found.matchedKey}`, ctx.signal, t.azblob);
            }),
          );
          const { results, inputs, found } = await combineAnnotatedConfigs(texts);
          if (found === 0) return undefined;
          ctx.progress.log(`found ${results.size} cache records in ${found} of ${unique.length} indexes`);
          // Download URLs are looked up once per blob, and again when one has expired.
          const urls = new Map<string, Promise<string>>();
          const cache: ImportedCache = {
            name: `gha ${options.scopes.join(";")}`,
            results,
            inputs,
            fetch(descriptor, { signal }): Promise<Readable> {
              const key = blobKey(descriptor.digest);
              const locate = (refresh: boolean, callSignal: AbortSignal) => {
                let url = urls.get(key);
                if (url === undefined || refresh) {
                  url = service.lookup(key, [key], callSignal).then((entry) => {
                    if (entry === undefined || entry.matchedKey !== key) throw new Error(`cache entry ${key} is gone from the GitHub Actions cache`);
                    return entry.downloadUrl;
                  });
                  url.catch(() => urls.delete(key));
                  urls.set(key, url);
                }
                return url;
              };
              return openBlobEntry(descriptor, `cache entry ${key}`, locate, signal, t.azblob);
            },
          };
          return cache;
        },
      };
    },
  };
}

export const cacheImporter: CacheImporter = ghaCacheImporter();
export const cacheImporters: readonly CacheImporter[] = [cacheImporter];
