import { performance } from "node:perf_hooks";
import { cacheExporter as s3Cache } from "@exp/cache-s3";
import { openContentStore } from "@exp/content";
import { runExport, type PhaseName, type TimelineEntry } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { registryExporter } from "@exp/exporter-image";
import { HostLimiters, createRegistryClient } from "@exp/registry";

/** What the parent (`pnpm bench memory`) hands over in $EXP_BENCH_MEMORY: the rig it started, and where to work. */
export interface MemoryChildConfig {
  context: string;
  /** A fresh content store directory, so every layer is built and compressed again. */
  store: string;
  /** `host/repo:tag` behind the registry's link proxy; a fresh repository, so every blob is uploaded. */
  image: string;
  s3: { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string; prefix: string };
}

/** What the child prints as its last line of stdout. */
export interface MemoryChildResult {
  /** getrusage maxrss over the whole process, KiB. */
  max_rss_kib: number;
  /** RSS with every module loaded, before any work (Node and exp's modules; the AWS SDK loads later, on first use), KiB. */
  baseline_rss_kib: number;
  /** maxrss once the build is done and before the export starts, KiB. */
  build_max_rss_kib: number;
  /** Highest sampled `arrayBuffers` (Buffers outside the JS heap: stream chunks, upload parts), bytes. */
  peak_array_buffers: number;
  /** Highest sampled V8 heap in use, bytes. */
  peak_heap_used: number;
  build_ms: number;
  export_ms: number;
  /** The export's create phases (commit: every layer gzipped) and its two finalizers, from the coordinator's timeline. */
  compress_ms: number;
  push_ms: number;
  cache_upload_ms: number;
  layers: number;
}

/**
 * Runs in its own process for `pnpm bench memory`, so the peak RSS is exp's alone (not the runner's,
 * nor the link proxies' or servers', which run elsewhere): builds the context into a fresh store,
 * then exports it the way `exp build --output type=registry,… --cache-to type=s3,mode=max,…` does,
 * image push and cache upload in parallel. Config comes in the environment, not argv, to keep the
 * (test) credentials out of `ps`.
 */
async function main(): Promise<void> {
  const baselineRss = process.memoryUsage().rss;
  const config = JSON.parse(process.env.EXP_BENCH_MEMORY ?? "") as MemoryChildConfig;
  // getrusage's maxrss says how high, not what: sampling the parts tells which memory it was.
  const peaks = { arrayBuffers: 0, heapUsed: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    peaks.arrayBuffers = Math.max(peaks.arrayBuffers, usage.arrayBuffers);
    peaks.heapUsed = Math.max(peaks.heapUsed, usage.heapUsed);
  };
  const sampler = setInterval(sample, 100);
  const store = await openContentStore(config.store);
  const started = performance.now();
  const built = await buildImage({ context: config.context, store, sourceDateEpoch: 1_700_000_000 });
  const buildMs = performance.now() - started;
  const buildMaxRss = process.resourceUsage().maxRSS;
  const client = createRegistryClient({ limiters: new HostLimiters(), insecure: [config.image.split("/")[0]!] });
  const { s3 } = config;
  try {
    const exportStarted = performance.now();
    const outcome = await runExport({
      source: built.source,
      store,
      registry: client,
      exporters: [registryExporter.resolve({ name: config.image })],
      cacheExporters: [
        s3Cache.resolve({ bucket: s3.bucket, region: s3.region, endpoint_url: s3.endpoint, use_path_style: "true", access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey, prefix: s3.prefix, mode: "max" }),
      ],
    });
    const exportMs = performance.now() - exportStarted;
    sample();
    clearInterval(sampler);
    const result: MemoryChildResult = {
      max_rss_kib: process.resourceUsage().maxRSS,
      baseline_rss_kib: Math.round(baselineRss / 1024),
      build_max_rss_kib: buildMaxRss,
      peak_array_buffers: peaks.arrayBuffers,
      peak_heap_used: peaks.heapUsed,
      build_ms: Math.round(buildMs),
      export_ms: Math.round(exportMs),
      layers: built.source.results[0]!.ref.layers.length,
      compress_ms: span(outcome.timeline, ["create", "cache-create"]),
      push_ms: span(outcome.timeline, ["finalize"]),
      cache_upload_ms: span(outcome.timeline, ["cache-finalize"]),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(sampler);
    await store.leases.release(built.lease);
    await client.close();
  }
}

/** From the first start to the last end of the timeline's spans in `phases`. */
function span(timeline: readonly TimelineEntry[], phases: readonly PhaseName[]): number {
  const entries = timeline.filter((e) => phases.includes(e.phase));
  if (entries.length === 0) return 0;
  return Math.round(Math.max(...entries.map((e) => e.end)) - Math.min(...entries.map((e) => e.start)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
