import { AttrReader, CacheRecords, cacheGraph, type CacheExporter, type CacheExporterInstance } from "@exp/solver";
import { inlineCacheValue } from "./inline-records.js";

/**
 * `--cache-to type=inline` (buildx: `--build-arg BUILDKIT_INLINE_CACHE=1`): the cache records go
 * into the image config under `moby.buildkit.cache.v0`. It runs before the image exporters' create
 * phase and is called by them for each platform's config (serialized by the coordinator); it has
 * no finalize. Only mode=min exists for it, as in BuildKit.
 */
/** The option table of `--cache-to type=inline` (what its AttrReader accepts). */
export const inlineCacheExportKeys = ["mode", "ignore-error"] as const;

export const cacheExporter: CacheExporter = {
  type: "inline",
  resolve(attrs): CacheExporterInstance {
    const reader = new AttrReader("cache exporter inline", attrs, inlineCacheExportKeys);
    reader.oneOf("mode", ["min"] as const, "min");
    // Read (a bad value is refused) and not applied, as in BuildKit: control/control.go parses
    // ignore-error for every cache exporter, but runInlineCacheExporter (solver/llbsolver/
    // export.go) never looks at it, so a failing inline cache fails the build there too.
    reader.bool("ignore-error", false);
    return {
      type: "inline",
      name: "preparing inline cache",
      mode: "min",
      ignoreError: false,
      inline: true,
      async prepare(source, ctx) {
        const records = new CacheRecords(ctx.store);
        const graphs = new Map(
          await Promise.all(
            source.results.map(async (result) => [result, result.cacheKey ? await cacheGraph(records, [result.cacheKey], { signal: ctx.signal }) : []] as const),
          ),
        );
        return async ({ result, layers }) => inlineCacheValue(graphs.get(result) ?? [], layers);
      },
    };
  },
};

export const cacheExporters: readonly CacheExporter[] = [cacheExporter];
