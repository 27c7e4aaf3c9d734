import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConformanceFixture, ConformanceProgressEvent, ConformanceStore } from "./types.js";

/** The files of the conformance image's filesystem (after its WORKDIR /app and two COPYs), by path. */
export const conformanceFiles: Readonly<Record<string, string>> = {
  "app/config.json": '{"port":8080}\n',
  "app/main.js": "console.log('conformance')\n",
  "app/lib/util.js": "export const x = 1;\n",
};

/**
 * A small build context (a Dockerfile FROM scratch with two COPY layers and config instructions)
 * for conformance runs; the caller builds it with its own @exp/dockerfile.
 */
export async function writeConformanceContext(): Promise<{ dir: string; context: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "exp-conformance-"));
  const context = join(dir, "context");
  await mkdir(join(context, "app", "lib"), { recursive: true });
  await writeFile(join(context, "app", "main.js"), conformanceFiles["app/main.js"]!);
  await writeFile(join(context, "app", "lib", "util.js"), conformanceFiles["app/lib/util.js"]!);
  await writeFile(join(context, "config.json"), conformanceFiles["app/config.json"]!);
  await writeFile(join(context, "Dockerfile"), 'FROM scratch\nWORKDIR /app\nCOPY config.json ./\nCOPY app/ ./\nENV NODE_ENV=production\nCMD ["/app/main.js"]\n');
  return { dir, context, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Throws unless the directory holds every file of the conformance image with its content. */
export async function verifyConformanceFiles(root: string): Promise<void> {
  for (const [path, content] of Object.entries(conformanceFiles)) {
    const found = await readFile(join(root, path), "utf8");
    if (found !== content) throw new Error(`${join(root, path)} holds ${JSON.stringify(found)}, not ${JSON.stringify(content)}`);
  }
}

/** What conformanceSetup needs from @exp/content, @exp/dockerfile and @exp/solver (passed in: this package depends on none of them). */
export interface ConformanceSetupDeps<Store extends ConformanceStore & { leases: { release(id: string): Promise<void> } }, Event extends ConformanceProgressEvent> {
  /** @exp/content's openContentStore. */
  openContentStore: (root: string) => Promise<Store>;
  /** @exp/dockerfile's buildImage. */
  buildImage: (options: { context: string; store: Store; sourceDateEpoch: number }) => Promise<{ source: unknown; lease: string }>;
  /** @exp/solver's LayerBlobs: each export gets its own. */
  LayerBlobs: new (store: Store) => unknown;
  /** @exp/solver's ProgressReporter. */
  ProgressReporter: { root(listener: ((event: Event) => void) | undefined): { child(id: string, name: string): unknown } };
  /** ExportContext.registry, for exporters that push (a client the test file closes when done). */
  registry?: () => unknown;
}

/**
 * The usual `setup` for describeExporterConformance: the conformance context, built with the
 * caller's @exp/dockerfile into an @exp/content store, and contexts made with the caller's
 * @exp/solver. The build runs once per setup function; each fixture then gets a copy of its
 * store (a copy is milliseconds, a build hundreds of them), with the build's lease released, so
 * that from then on only what an exporter leases itself is safe from a GC (which is what the
 * holds-what-it-writes check relies on). The template store is removed when the process exits.
 */
export function conformanceSetup<Store extends ConformanceStore & { leases: { release(id: string): Promise<void> } }, Event extends ConformanceProgressEvent>(
  deps: ConformanceSetupDeps<Store, Event>,
): () => Promise<ConformanceFixture> {
  let template: Promise<{ store: string; source: unknown }> | undefined;
  const build = async () => {
    const fixture = await writeConformanceContext();
    process.once("exit", () => rmSync(fixture.dir, { recursive: true, force: true }));
    const root = join(fixture.dir, "store");
    const store = await deps.openContentStore(root);
    const built = await deps.buildImage({ context: fixture.context, store, sourceDateEpoch: 1_700_000_000 });
    await store.leases.release(built.lease);
    return { store: root, source: built.source };
  };
  return async () => {
    // A failed build is tried again by the next fixture rather than remembered.
    template ??= build().catch((error: unknown) => {
      template = undefined;
      throw error;
    });
    const { store: templateStore, source } = await template;
    const dir = await mkdtemp(join(tmpdir(), "exp-conformance-"));
    try {
      await cp(templateStore, join(dir, "store"), { recursive: true });
      const store = await deps.openContentStore(join(dir, "store"));
      return {
        store,
        source,
        dir,
        context: ({ signal, onProgress }) => {
          const listener: ((event: Event) => void) | undefined = onProgress;
          return {
            signal,
            store,
            blobs: new deps.LayerBlobs(store),
            progress: deps.ProgressReporter.root(listener).child("conformance", "conformance export"),
            buildId: "conformance",
            ...(deps.registry ? { registry: deps.registry() } : {}),
          };
        },
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  };
}
