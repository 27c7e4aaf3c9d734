import { cacheExporter as registryCacheExporter } from "@exp/cache-registry";
import type { ContentStore } from "@exp/content";
import { checkStore } from "@exp/content";
import { imageExporter, registryExporter } from "@exp/exporter-image";
import type { CacheExporterInstance, ExporterInstance } from "@exp/solver";

/**
 * The exporters every GC scenario runs at once: a push of the image (nothing kept locally, so
 * only its lease protects what it pushes), the image kept in the store under a name (a root), and
 * a max-mode registry cache (its own lease, and blobs read from the store while it uploads).
 */
export function gcExporters(pushHost: string, name: string): { exporters: ExporterInstance[]; cacheExporters: CacheExporterInstance[] } {
  return {
    exporters: [registryExporter.resolve({ name: `${pushHost}/gc/${name}:v1` }), imageExporter.resolve({ name: `gc/${name}:local` })],
    cacheExporters: [registryCacheExporter.resolve({ ref: `${pushHost}/gc/${name}-cache:c1`, mode: "max" })],
  };
}

/** Every history record's results are in the store, and the store checks clean (so their whole trees are there too). */
export async function expectHistoryIntact(store: ContentStore): Promise<{ faults: unknown[]; missing: string[]; records: number }> {
  const missing: string[] = [];
  const records = await store.history.list();
  for (const record of records) for (const result of record.results) if (!(await store.exists(result.digest))) missing.push(`${record.id}: ${result.digest}`);
  return { faults: (await checkStore(store)).faults, missing, records: records.length };
}
