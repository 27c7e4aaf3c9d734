import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs } from "@exp/solver";
import { writeContext } from "../fixtures.js";
import type { Scenario } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";

const layers = 20;
const mibPerLayer = 10;

/**
 * A cold build (empty store: every layer written and gzip-compressed, as an export would) and a
 * warm one (same store, same context: every step must be a cache hit, nothing written or
 * compressed). The metric is warm/cold, measured in one run.
 */
export const scenario: Scenario = {
  name: "build",
  description: `cold vs warm build of a ${layers * mibPerLayer} MiB context in ${layers} COPY layers (build + gzip of every layer)`,
  baseline: "the same build, cold (empty store), in the same round",
  targets: [{ metric: "warm_over_cold", max: 0.1 }],
  async run({ signal, log, runs }) {
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-build-"));
    try {
      const context = join(dir, "context");
      await writeContext(context, { layers, bytesPerLayer: mibPerLayer * 1024 * 1024, filesPerLayer: 8 });
      const coldMs: number[] = [];
      const warmMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        // A fresh store per round, so each cold build really starts empty.
        const store = await openContentStore(join(dir, `store-${i}`));
        const once = async () => {
          const started = performance.now();
          const result = await buildImage({ context, store, signal, sourceDateEpoch: 1_700_000_000 });
          const blobs = new LayerBlobs(store);
          await Promise.all(result.source.results[0]!.ref.layers.map((l) => blobs.get(l, { type: "gzip" }, { lease: result.lease, signal })));
          const elapsed = performance.now() - started;
          await store.leases.release(result.lease);
          return { elapsed, cached: result.cached, created: blobs.stats.created };
        };
        const cold = await once();
        const warm = await once();
        log(`round ${i + 1}: cold ${round(cold.elapsed, 0)} ms (${cold.created} blobs compressed), warm ${round(warm.elapsed, 0)} ms (cached=${warm.cached}, ${warm.created} compressed)`);
        if (!warm.cached || warm.created !== 0) throw new Error("the warm build was not a full cache hit");
        coldMs.push(cold.elapsed);
        warmMs.push(warm.elapsed);
        await rm(join(dir, `store-${i}`), { recursive: true, force: true });
      }
      return { cold_ms: sampled(coldMs, 0), warm_ms: sampled(warmMs, 0), warm_over_cold: sampled(pairRatios(warmMs, coldMs), 4), layers, context_mib: layers * mibPerLayer };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
