import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { imageExporter } from "@exp/exporter-image";
import { LayerBlobs, tarballLayer, type Layer } from "@exp/solver";
import { requireTools } from "@exp/testing";
import { writeContext, writeTextLike } from "../fixtures.js";
import type { Scenario, ScenarioOptions } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";
import { ingestOneStream } from "../cpu/one-stream.js";
import { singleLayerGzip } from "../cpu/single-layer.js";

const layers = 4;
const layerMiB = 48;

/**
 * Three measurements of exp's compression, on text-like content (random words, which compresses
 * about like real application layers, ~0.3 with gzip), each repeated `runs` times:
 * 1. gzip (level 6) of N independent layers through LayerBlobs, all at once (the way exporters
 *    ask), against the same layers one after another through one zlib stream at a time. The
 *    speed-up is how much of the second core the concurrent path uses. Beside it, the same layers
 *    one after another through LayerBlobs, each then on every core (@exp/pgzip).
 * 2. One large layer (cpu/single-layer.ts): exp (every core) against one zlib stream, and against
 *    pigz -6 -p 1 and -p 2 on the same file, in throughput per core (MiB per CPU second) and wall.
 * 3. The same image exported with compression=zstd and with compression=gzip (each at its default
 *    level, force-compression=true, into a fresh store each time so every layer is compressed
 *    again). Informational: zstd runs in the `zstd` binary, one process per layer, so the ratio
 *    shows what that plumbing keeps of zstd's speed; the compressed size ratio comes with it.
 */
export const scenario: Scenario = {
  name: "cpu",
  description: `${layers} × ${layerMiB} MiB text-like layers: gzip concurrent through LayerBlobs vs one stream at a time; one 192 MiB layer on every core vs one stream and vs pigz; image export with zstd vs gzip`,
  baseline:
    "speedup and single_layer_speedup: the same layers gzipped (-6) one Node zlib stream at a time, as a single-threaded compressor does (and exp did before @exp/pgzip); per_core_over_pigz_*: pigz 2.6 (Debian) `pigz -6 -p 1` and `-p 2` on the same layer file, whole processes timed by GNU time",
  targets: [
    { metric: "speedup", min: 1.7 },
    { metric: "single_layer_speedup", min: 1.8 },
    { metric: "per_core_over_pigz_p1", min: 1 },
    { metric: "per_core_over_pigz_p2", min: 1 },
  ],
  async run(options) {
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-cpu-"));
    try {
      return {
        ...(await gzipConcurrency(dir, options)),
        ...(await singleLayerGzip(dir, options)),
        ...(await zstdVersusGzip(dir, options)),
        layers,
        layer_mib: layerMiB,
        runs: options.runs,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

async function gzipConcurrency(dir: string, { signal, log, runs }: ScenarioOptions) {
  const sources: Layer[] = [];
  for (let i = 0; i < layers; i++) {
    const path = join(dir, `layer-${i}.tar`);
    await writeTextLike(path, layerMiB * 1024 * 1024);
    sources.push(await tarballLayer(path));
  }
  type Mode = "one-stream" | "concurrent" | "blocks-sequential";
  const once = async (mode: Mode, round: number) => {
    const storeDir = join(dir, `store-${round}-${mode}`);
    const store = await openContentStore(storeDir);
    const blobs = new LayerBlobs(store);
    const started = performance.now();
    if (mode === "concurrent") await Promise.all(sources.map((l) => blobs.get(l, { type: "gzip" }, { signal })));
    else if (mode === "blocks-sequential") for (const l of sources) await blobs.get(l, { type: "gzip" }, { signal });
    else for (let i = 0; i < layers; i++) await ingestOneStream(store, join(dir, `layer-${i}.tar`), signal);
    const elapsed = performance.now() - started;
    await rm(storeDir, { recursive: true, force: true });
    return elapsed;
  };
  const sequentialMs: number[] = [];
  const concurrentMs: number[] = [];
  const blocksSequentialMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    sequentialMs.push(await once("one-stream", i));
    concurrentMs.push(await once("concurrent", i));
    blocksSequentialMs.push(await once("blocks-sequential", i));
    log(`gzip round ${i + 1}: one stream at a time ${round(sequentialMs[i]!, 0)} ms, concurrent ${round(concurrentMs[i]!, 0)} ms, one layer at a time on every core ${round(blocksSequentialMs[i]!, 0)} ms`);
  }
  await Promise.all(sources.map((_, i) => rm(join(dir, `layer-${i}.tar`), { force: true })));
  return {
    sequential_ms: sampled(sequentialMs, 0),
    concurrent_ms: sampled(concurrentMs, 0),
    speedup: sampled(pairRatios(sequentialMs, concurrentMs), 2),
    // Layers asked for one after another, each deflated on every core: as fast as asking for all at once?
    blocks_sequential_ms: sampled(blocksSequentialMs, 0),
    blocks_sequential_speedup: sampled(pairRatios(sequentialMs, blocksSequentialMs), 2),
  };
}

async function zstdVersusGzip(dir: string, { signal, log, runs }: ScenarioOptions) {
  const tools = requireTools(["zstd"]);
  if (!tools.available) throw new Error(`pnpm bench cpu needs ${tools.missing.join(", ")}: run bash scripts/setup.sh`);
  const context = join(dir, "context");
  await writeContext(context, { layers, bytesPerLayer: layerMiB * 1024 * 1024, filesPerLayer: 2 });
  let n = 0;
  /** Builds into a fresh store (untimed), then times the export: type=image, which commits (compresses) into the store. */
  const once = async (compression: "zstd" | "gzip") => {
    const storeDir = join(dir, `export-store-${++n}`);
    const store = await openContentStore(storeDir);
    try {
      const built = await buildImage({ context, store, sourceDateEpoch: 1_700_000_000, signal });
      const exporter = imageExporter.resolve({ name: `bench/cpu:${compression}`, compression, "force-compression": "true" });
      const started = performance.now();
      const outcome = await runExport({ source: built.source, store, signal, exporters: [exporter] });
      const ms = performance.now() - started;
      await store.leases.release(built.lease);
      const manifest = JSON.parse((await store.readAll(outcome.results[0]!.digest)).toString("utf8")) as { layers: Array<{ size: number; mediaType: string }> };
      if (!manifest.layers.every((l) => l.mediaType.endsWith(compression === "zstd" ? "+zstd" : "+gzip"))) throw new Error(`the ${compression} export has layers of another compression`);
      return { ms, bytes: manifest.layers.reduce((sum, l) => sum + l.size, 0) };
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  };
  const zstd: Array<{ ms: number; bytes: number }> = [];
  const gzip: Array<{ ms: number; bytes: number }> = [];
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first, so neither always runs on a page cache the other warmed.
    if (i % 2 === 0) {
      zstd.push(await once("zstd"));
      gzip.push(await once("gzip"));
    } else {
      gzip.push(await once("gzip"));
      zstd.push(await once("zstd"));
    }
    log(`export round ${i + 1}: zstd ${round(zstd[i]!.ms, 0)} ms, gzip ${round(gzip[i]!.ms, 0)} ms`);
  }
  const zstdMs = zstd.map((z) => z.ms);
  const gzipMs = gzip.map((g) => g.ms);
  return {
    zstd_export_ms: sampled(zstdMs, 0),
    gzip_export_ms: sampled(gzipMs, 0),
    zstd_over_gzip: sampled(pairRatios(zstdMs, gzipMs)),
    // The same content every run, so one size each is enough.
    zstd_over_gzip_size: round(zstd[0]!.bytes / gzip[0]!.bytes),
    gzip_size_ratio: round(gzip[0]!.bytes / (layers * layerMiB * 1024 * 1024)),
  };
}
