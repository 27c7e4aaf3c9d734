import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { openContentStore } from "@exp/content";
import { runExport } from "../../packages/coordinator/src/run-export.js";
import { fakeCacheExporter, fakeImageExporter } from "../../packages/coordinator/src/testing/fake-exporters.js";
import { randomSource } from "../../packages/coordinator/src/testing/random-source.js";
import type { Scenario } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";

const pushLatencyMs = 1000;

/**
 * PR #6451's claim in miniature: an image push and a cache push of equal latency, run the old way
 * (one after the other) and the new way (finalizers in parallel), alternating which goes first in
 * each pair so neither benefits from a warm cache. Both include the real create phase (three
 * small layers gzip-compressed into a real content store), so the ratio is honest, not 0.5 by construction:
 * with a create phase of c ms it is (c + L) / (c + 2L). L = 1 s stands for a push; on vLLM's CI
 * each push took about 2 minutes, so the real create share is smaller still.
 */
export const scenario: Scenario = {
  name: "coordinator",
  description: `image push + cache push of ${pushLatencyMs} ms each, sequential vs parallel`,
  baseline: "the pre-#6451 order: the image push, then the cache push (solver.go Solve before e07b5ed18), with the same create phase",
  targets: [{ metric: "ratio", max: 0.52 }],
  async run({ signal, log, runs }) {
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-coordinator-"));
    try {
      const source = await randomSource(dir, [64 * 1024, 128 * 1024, 32 * 1024]);
      const once = async (sequential: boolean, round: number): Promise<number> => {
        // A fresh store per run, so every run compresses its layers (no run gets a free cache hit).
        const store = await openContentStore(join(dir, `store-${round}-${sequential ? "seq" : "par"}`));
        const events = { events: [] as string[] };
        const push = () => sleep(pushLatencyMs, undefined, { signal });
        const started = performance.now();
        await runExport({
          source,
          store,
          signal,
          sequential,
          exporters: [fakeImageExporter({ id: "image", log: events, push })],
          cacheExporters: [fakeCacheExporter({ id: "cache", log: events, mode: "min", push })],
        });
        return performance.now() - started;
      };
      const sequentialMs: number[] = [];
      const parallelMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        if (i % 2 === 0) {
          sequentialMs.push(await once(true, i));
          parallelMs.push(await once(false, i));
        } else {
          parallelMs.push(await once(false, i));
          sequentialMs.push(await once(true, i));
        }
        log(`pair ${i + 1}: sequential ${round(sequentialMs[i]!, 1)} ms, parallel ${round(parallelMs[i]!, 1)} ms`);
      }
      return {
        sequential_ms: sampled(sequentialMs, 1),
        parallel_ms: sampled(parallelMs, 1),
        ratio: sampled(pairRatios(parallelMs, sequentialMs)),
        push_latency_ms: pushLatencyMs,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
