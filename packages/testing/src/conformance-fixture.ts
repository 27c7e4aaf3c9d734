import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

/**
 * The usual `setup` for describeExporterConformance: the conformance context, built with the
 * caller's @exp/dockerfile into a fresh @exp/content store (both passed in: this package does not
 * depend on them). The build's lease is released; its content stays until a GC.
 */
export function conformanceSetup<Store extends { leases: { release(id: string): Promise<void> } }, Source>(deps: {
  openContentStore: (root: string) => Promise<Store>;
  buildImage: (options: { context: string; store: Store; sourceDateEpoch: number }) => Promise<{ source: Source; lease: string }>;
}): () => Promise<{ store: Store; source: Source; dir: string; cleanup: () => Promise<void> }> {
  return async () => {
    const fixture = await writeConformanceContext();
    const store = await deps.openContentStore(join(fixture.dir, "store"));
    const built = await deps.buildImage({ context: fixture.context, store, sourceDateEpoch: 1_700_000_000 });
    await store.leases.release(built.lease);
    return { store, source: built.source, dir: fixture.dir, cleanup: fixture.cleanup };
  };
}
