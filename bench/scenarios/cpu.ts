import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openContentStore } from "@exp/content";
import { LayerBlobs, tarballLayer, type Layer } from "@exp/solver";
import { writeTextLike } from "../fixtures.js";
import type { Scenario } from "../scenario.js";
import { median, round } from "../stats.js";

const layers = 4;
const layerMiB = 48;
const rounds = 3;

/**
 * gzip (level 6) of N independent layers through LayerBlobs, all at once (the way exporters ask),
 * against the same layers one after another through one zlib stream at a time. The speed-up is
 * how much of the second core the concurrent path uses. Layer content is text-like (random words),
 * which compresses about like real application layers (~0.3).
 */
export const scenario: Scenario = {
  name: "cpu",
  description: `gzip of ${layers} × ${layerMiB} MiB layers: concurrent through LayerBlobs vs one stream at a time, median of ${rounds}`,
  targets: [{ metric: "speedup", min: 1.7 }],
  async run({ signal, log }) {
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-cpu-"));
    try {
      const sources: Layer[] = [];
      for (let i = 0; i < layers; i++) {
        const path = join(dir, `layer-${i}.tar`);
        await writeTextLike(path, layerMiB * 1024 * 1024);
        sources.push(await tarballLayer(path));
      }
      const once = async (concurrent: boolean, round: number) => {
        const store = await openContentStore(join(dir, `store-${round}-${concurrent ? "c" : "s"}`));
        const blobs = new LayerBlobs(store);
        const started = performance.now();
        if (concurrent) await Promise.all(sources.map((l) => blobs.get(l, { type: "gzip" }, { signal })));
        else for (const l of sources) await blobs.get(l, { type: "gzip" }, { signal });
        const elapsed = performance.now() - started;
        await rm(join(dir, `store-${round}-${concurrent ? "c" : "s"}`), { recursive: true, force: true });
        return elapsed;
      };
      const sequentialMs: number[] = [];
      const concurrentMs: number[] = [];
      for (let i = 0; i < rounds; i++) {
        sequentialMs.push(await once(false, i));
        concurrentMs.push(await once(true, i));
        log(`round ${i + 1}: one at a time ${round(sequentialMs[i]!, 0)} ms, concurrent ${round(concurrentMs[i]!, 0)} ms`);
      }
      const sequential = median(sequentialMs);
      const concurrent = median(concurrentMs);
      return { sequential_ms: round(sequential, 0), concurrent_ms: round(concurrent, 0), speedup: round(sequential / concurrent, 2), layers, layer_mib: layerMiB };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
