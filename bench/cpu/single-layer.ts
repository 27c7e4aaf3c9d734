import { spawnSync } from "node:child_process";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openContentStore } from "@exp/content";
import { LayerBlobs, tarballLayer } from "@exp/solver";
import { requireTools } from "@exp/testing";
import { timed } from "../app-context/measure.js";
import { writeTextLike } from "../fixtures.js";
import type { ScenarioOptions } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";
import { ingestOneStream } from "./one-stream.js";

/** One layer, large enough that start-up costs vanish and the same size as the cpu scenario's four together. */
const layerMiB = 192;

interface Run {
  ms: number;
  cpu_s: number;
}

/**
 * One large text-like layer gzipped (level 6) three ways, each `runs` times, in alternating order:
 * - exp: LayerBlobs.get, which deflates it on every core (@exp/pgzip's 512 KiB blocks on libuv's pool);
 * - one zlib stream (what exp did before, and what a single-threaded compressor does);
 * - pigz 2.6 (Debian) `-6 -p 1` and `-6 -p 2`, whole processes under GNU time, output to a file.
 * exp's CPU is the process's own (process.cpuUsage: main thread and libuv's pool), so reading the
 * file, hashing the blob and writing it are in it, as pigz's reading and writing are in pigz's.
 */
export async function singleLayerGzip(dir: string, { signal, log, runs }: ScenarioOptions) {
  const tools = requireTools(["pigz"]);
  if (!tools.available) throw new Error(`pnpm bench cpu needs ${tools.missing.join(", ")}: run bash scripts/setup.sh`);
  const path = join(dir, "single-layer.tar");
  await writeTextLike(path, layerMiB * 1024 * 1024);
  const layer = await tarballLayer(path);
  let n = 0;
  const inStore = async (compress: (store: Awaited<ReturnType<typeof openContentStore>>) => Promise<unknown>): Promise<Run> => {
    const storeDir = join(dir, `single-store-${++n}`);
    const store = await openContentStore(storeDir);
    try {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await compress(store);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      return { ms, cpu_s: (used.user + used.system) / 1e6 };
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  };
  const exp = () => inStore((store) => new LayerBlobs(store).get(layer, { type: "gzip", level: 6 }, { signal }));
  const oneStream = () => inStore((store) => ingestOneStream(store, path, signal));
  const pigz = async (threads: number): Promise<Run> => {
    const cost = await timed("pigz", ["-6", "-p", String(threads), "-c", path], { log: join(dir, `pigz-${threads}`), signal });
    return { ms: cost.wall_ms, cpu_s: cost.cpu_s };
  };
  // Untimed: the page cache holds the file for everyone.
  await exp();
  const s = { exp: [] as Run[], one: [] as Run[], p1: [] as Run[], p2: [] as Run[] };
  for (let i = 0; i < runs; i++) {
    const steps: Array<[keyof typeof s, () => Promise<Run>]> = [
      ["exp", exp],
      ["one", oneStream],
      ["p1", () => pigz(1)],
      ["p2", () => pigz(2)],
    ];
    // Rotate who goes first, so no one always runs right after the same neighbour.
    for (let k = 0; k < steps.length; k++) {
      const [name, step] = steps[(k + i) % steps.length]!;
      s[name].push(await step());
    }
    log(`single layer round ${i + 1}: exp ${round(s.exp[i]!.ms, 0)} ms, one stream ${round(s.one[i]!.ms, 0)} ms, pigz -p 1 ${round(s.p1[i]!.ms, 0)} ms, pigz -p 2 ${round(s.p2[i]!.ms, 0)} ms`);
  }
  const mib = (await stat(path)).size / 1024 / 1024;
  await rm(path, { force: true });
  const ms = (runs_: Run[]) => runs_.map((r) => r.ms);
  /** MiB per CPU second: what one core gets through while it works, whoever else shares the machine. */
  const perCore = (runs_: Run[]) => runs_.map((r) => mib / r.cpu_s);
  return {
    single_layer_mib: round(mib, 1),
    single_layer_exp_ms: sampled(ms(s.exp), 0),
    single_layer_one_stream_ms: sampled(ms(s.one), 0),
    single_layer_speedup: sampled(pairRatios(ms(s.one), ms(s.exp)), 2),
    pigz_p1_ms: sampled(ms(s.p1), 0),
    pigz_p2_ms: sampled(ms(s.p2), 0),
    exp_mib_per_cpu_s: sampled(perCore(s.exp), 1),
    one_stream_mib_per_cpu_s: sampled(perCore(s.one), 1),
    pigz_p1_mib_per_cpu_s: sampled(perCore(s.p1), 1),
    pigz_p2_mib_per_cpu_s: sampled(perCore(s.p2), 1),
    // Throughput per core, exp over pigz at the same level: exp on every core against pigz on one and on two.
    per_core_over_pigz_p1: sampled(pairRatios(perCore(s.exp), perCore(s.p1)), 2),
    per_core_over_pigz_p2: sampled(pairRatios(perCore(s.exp), perCore(s.p2)), 2),
    // Wall time, both on 2 cores: above 1, exp finishes first.
    wall_over_pigz_p2: sampled(pairRatios(ms(s.p2), ms(s.exp)), 2),
    pigz_version: spawnSync("pigz", ["--version"], { encoding: "utf8" }).stdout.trim().replace(/^pigz /, ""),
  };
}
