import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The build and export behind every remote cache backend's option-table walk (S3, azblob, gha),
 * with the packages it needs passed in (this package depends on none of them), as
 * conformanceSetup takes them.
 */
export interface CacheWalkDeps<Store extends { leases: { release(id: string): Promise<void> } }> {
  /** @exp/content's openContentStore. */
  openContentStore: (root: string) => Promise<Store>;
  /** @exp/dockerfile's buildImage. */
  buildImage: (options: { context: string; store: Store; sourceDateEpoch: number }) => Promise<{ source: unknown; lease: string }>;
  /** @exp/coordinator's runExport. */
  runExport: (options: { source: never; exporters: never[]; cacheExporters: never[]; store: Store }) => Promise<unknown>;
  /** @exp/exporter-image's imageExporter, for the "with-image" variant. */
  imageExporter: { resolve(attrs: Record<string, string>): unknown };
}

/**
 * Writes the walks' build context under `dir` and returns it: two stages FROM scratch, so mode=max
 * has the other stage's layer to add (see cacheExportRows).
 */
export async function writeCacheWalkContext(dir: string): Promise<string> {
  const context = join(dir, "context");
  await mkdir(join(context, "assets"), { recursive: true });
  await writeFile(join(context, "assets", "logo.svg"), "<svg/>");
  await writeFile(join(context, "app.js"), "console.log(1)");
  await writeFile(join(context, "Dockerfile"), "FROM scratch AS assets\nCOPY assets/ /assets/\nFROM scratch\nCOPY app.js /app/\nCOPY --from=assets /assets /srv/assets\n");
  return context;
}

/**
 * One build of the walk's context (in `dir()`, written by writeCacheWalkContext) into a fresh store
 * `stores/<n>`, and one export through `exporter` (beside an image exporter for "with-image",
 * tagged `<n>`).
 * Returns undefined, or the failure as `describe` puts it (by default its `code`), so a row can
 * tell why an export was refused.
 */
export function cacheWalkExport<Store extends { leases: { release(id: string): Promise<void> } }>(
  deps: CacheWalkDeps<Store>,
  /** The walk's directory (made in a beforeAll, hence a function). */
  dir: () => string,
  describe: (failure: unknown) => string = (failure) => (failure as { code?: string }).code ?? (failure as Error).name,
): (exporter: { resolve(attrs: Readonly<Record<string, string>>): unknown }, attrs: Readonly<Record<string, string>>, n: number | string, variant: string | undefined) => Promise<string | undefined> {
  return async (exporter, attrs, n, variant) => {
    const store = await deps.openContentStore(join(dir(), "stores", String(n)));
    const built = await deps.buildImage({ context: join(dir(), "context"), store, sourceDateEpoch: 1_700_000_000 });
    try {
      const exporters = variant === "with-image" ? [deps.imageExporter.resolve({ name: `walk.example/image:${n}` })] : [];
      await deps.runExport({ source: built.source as never, exporters: exporters as never[], cacheExporters: [exporter.resolve(attrs)] as never[], store });
      return undefined;
    } catch (failure) {
      return describe(failure);
    } finally {
      await store.leases.release(built.lease);
    }
  };
}

/** Whether two of these requests (a proxy's log, filtered) were open at the same time. */
export function requestsOverlap(requests: ReadonlyArray<{ startedAt: number; endedAt?: number }>): boolean {
  return requests.some((a) => requests.some((b) => a !== b && a.startedAt < (b.endedAt ?? Infinity) && b.startedAt < (a.endedAt ?? Infinity)));
}
