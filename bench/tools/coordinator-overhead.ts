import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { openContentStore } from "@exp/content";
import { runExport } from "../../packages/coordinator/src/run-export.js";
import { fakeCacheExporter, fakeImageExporter } from "../../packages/coordinator/src/testing/fake-exporters.js";
import { randomSource } from "../../packages/coordinator/src/testing/random-source.js";

/**
 * Where the coordinator scenario's time goes beyond its two 1000 ms pushes: prints, per parallel
 * run, the wall, the create spans and what is left (store open, leases, history) from its timeline.
 * Usage: node --conditions=@exp/source --import tsx bench/tools/coordinator-overhead.ts
 */
const dir = await mkdtemp(join(tmpdir(), "exp-coordinator-overhead-"));
try {
  const source = await randomSource(dir, [64 * 1024, 128 * 1024, 32 * 1024]);
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const store = await openContentStore(join(dir, `store-${i}`));
    const opened = performance.now();
    const events = { events: [] as string[] };
    const push = () => sleep(1000);
    const outcome = await runExport({ source, store, exporters: [fakeImageExporter({ id: "image", log: events, push })], cacheExporters: [fakeCacheExporter({ id: "cache", log: events, mode: "min", push })] });
    const done = performance.now();
    const spans = outcome.timeline.map((e) => `${e.phase} ${Math.round(e.start)}–${Math.round(e.end)}`).join(", ");
    console.log(`open ${Math.round(opened - started)} ms, export ${Math.round(done - opened)} ms: ${spans}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
