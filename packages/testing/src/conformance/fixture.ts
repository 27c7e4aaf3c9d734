import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConformanceFixture, ConformanceStore } from "./types.js";

/**
 * A small build context (a Dockerfile FROM scratch with two COPY layers and config instructions)
 * for conformance runs; the caller builds it with its own @exp/dockerfile.
 */
export async function writeConformanceContext(): Promise<{ dir: string; context: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "exp-conformance-"));
  const context = join(dir, "context");
  await mkdir(join(context, "app", "lib"), { recursive: true });
  await writeFile(join(context, "app", "main.js"), "console.log('conformance')\n");
  await writeFile(join(context, "app", "lib", "util.js"), "export const x = 1;\n");
  await writeFile(join(context, "config.json"), '{"port":8080}\n');
  await writeFile(join(context, "Dockerfile"), 'FROM scratch\nWORKDIR /app\nCOPY config.json ./\nCOPY app/ ./\nENV NODE_ENV=production\nCMD ["/app/main.js"]\n');
  return { dir, context, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** What conformanceSetup needs from @exp/content, @exp/dockerfile and @exp/solver (passed in: this package depends on none of them). */
export interface ConformanceSetupDeps<Store extends ConformanceStore & { leases: { release(id: string): Promise<void> } }> {
  /** @exp/content's openContentStore. */
  openContentStore: (root: string) => Promise<Store>;
  /** @exp/dockerfile's buildImage. */
  buildImage: (options: { context: string; store: Store; sourceDateEpoch: number }) => Promise<{ source: unknown; lease: string }>;
  /** @exp/solver's LayerBlobs: each export gets its own. */
  LayerBlobs: new (store: Store) => unknown;
  /** @exp/solver's ProgressReporter. */
  ProgressReporter: { root(listener: ((event: never) => void) | undefined): { child(id: string, name: string): unknown } };
  /** ExportContext.registry, for exporters that push (a client the test file closes when done). */
  registry?: () => unknown;
}

/**
 * The usual `setup` for describeExporterConformance: the conformance context, built with the
 * caller's @exp/dockerfile into a fresh @exp/content store, and contexts made with the caller's
 * @exp/solver. The build's lease is released at once, so from then on only what an exporter
 * leases itself is safe from a GC (which is what the holds-what-it-writes check relies on).
 */
export function conformanceSetup<Store extends ConformanceStore & { leases: { release(id: string): Promise<void> } }>(deps: ConformanceSetupDeps<Store>): () => Promise<ConformanceFixture> {
  return async () => {
    const fixture = await writeConformanceContext();
    try {
      const store = await deps.openContentStore(join(fixture.dir, "store"));
      const built = await deps.buildImage({ context: fixture.context, store, sourceDateEpoch: 1_700_000_000 });
      await store.leases.release(built.lease);
      return {
        store,
        source: built.source,
        dir: fixture.dir,
        context: ({ signal, onProgress }) => {
          const listener = onProgress as ((event: never) => void) | undefined;
          return {
            signal,
            store,
            blobs: new deps.LayerBlobs(store),
            progress: deps.ProgressReporter.root(listener).child("conformance", "conformance export"),
            buildId: "conformance",
            ...(deps.registry ? { registry: deps.registry() } : {}),
          };
        },
        cleanup: fixture.cleanup,
      };
    } catch (error) {
      await fixture.cleanup();
      throw error;
    }
  };
}

