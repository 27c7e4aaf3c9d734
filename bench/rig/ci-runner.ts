import { performance } from "node:perf_hooks";
import { cacheImporter as registryCacheImporter } from "@exp/cache-registry";
import type { ContentStore } from "@exp/content";
import { runExport, type ExportOutcome } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs, ProgressReporter, type ImportedCache } from "@exp/solver";
import { exportersFor, loopbackClient } from "./image-from-cache.js";

/** What one CI job does, as `exp build --cache-from type=registry,ref=… --cache-to type=registry,ref=…,mode=max --output type=registry,name=…`. */
export interface RunnerJob {
  context: string;
  store: ContentStore;
  /** `--cache-from type=registry,ref=…` refs, imported in order. */
  cacheFrom?: string[];
  /** Image names, each pushed with type=registry. */
  images: string[];
  /** `--cache-to type=registry,ref=…,mode=max`. */
  cacheTo?: string;
  signal: AbortSignal;
}

export interface RunnerResult {
  /** Cache import, build and export: the job's wall time without process start-up. */
  ms: number;
  exportMs: number;
  /** True when every step was a cache hit (locally or in an imported cache). */
  cached: boolean;
  /** The job's blob service, whose stats count the compressions it ran. */
  blobs: LayerBlobs;
  outcome: ExportOutcome;
}

/**
 * Runs one job through the library APIs the way the CLI's build command wires them: one registry
 * client (fresh, so it knows nothing but what this job's import tells it) shared by the importer,
 * the build and every exporter; the caches loaded before the build and passed as `cacheFrom`.
 */
export async function runJob(job: RunnerJob): Promise<RunnerResult> {
  const { context, store, signal } = job;
  const client = loopbackClient([...job.images, ...(job.cacheFrom ?? []), ...(job.cacheTo ? [job.cacheTo] : [])]);
  const blobs = new LayerBlobs(store);
  try {
    const started = performance.now();
    const cacheFrom: ImportedCache[] = [];
    for (const ref of job.cacheFrom ?? []) {
      const cache = await registryCacheImporter.resolve({ ref }).load({ store, registry: client, progress: ProgressReporter.root(undefined), signal });
      if (!cache) throw new Error(`no cache at ${ref}: the first runner should have exported it`);
      cacheFrom.push(cache);
    }
    const built = await buildImage({ context, store, registry: client, sourceDateEpoch: 1_700_000_000, signal, ...(cacheFrom.length > 0 ? { cacheFrom } : {}) });
    try {
      const exportStarted = performance.now();
      const outcome = await runExport({
        source: built.source,
        store,
        signal,
        registry: client,
        blobs,
        ...exportersFor({ images: job.images, ...(job.cacheTo ? { registryCaches: [{ ref: job.cacheTo, mode: "max" as const }] } : {}) }),
      });
      const ended = performance.now();
      return { ms: ended - started, exportMs: ended - exportStarted, cached: built.cached, blobs, outcome };
    } finally {
      await store.leases.release(built.lease);
    }
  } finally {
    await client.close();
  }
}
