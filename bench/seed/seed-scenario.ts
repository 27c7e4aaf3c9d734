import { availableParallelism } from "node:os";
import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { writeTimelineSvg } from "../timeline/write-timeline.js";
import { timedExport, writeRandomContext, type ExportPlan, type TimedExport } from "../rig/image-from-cache.js";
import { bytesSent } from "../rig/links.js";
import { cpuSince, rigCpu, type RigCpu } from "../rig/process-cpu.js";
import { defaultLink, withRig, linkFigures } from "../rig/rig.js";
import type { Scenario } from "../scenario.js";
import { median, pairRatios, round, sampled } from "../stats.js";

const layers = 10;
const mibPerLayer = 30;

/** Where the seed's cache goes: S3 (Swift's s3api), the seed itself, or Azure Blob Storage (Azurite). */
export type SeedCache = "s3" | "azblob";

const cacheNames: Record<SeedCache, string> = { s3: "S3", azblob: "Azure Blob Storage (Azurite)" };
/** The rig process that serves each cache (process-cpu.ts's RigCpu key). */
const cacheServers = { s3: "swift", azblob: "azurite" } as const satisfies Record<SeedCache, keyof RigCpu>;

/**
 * PR #6451's measurement, reproduced: an image built from cache (its blobs already compressed),
 * exported to a registry and, with mode=max, its cache to S3 (or Azurite), over two equal links modelled by
 * throttling proxies in their own process (on loopback everything would be CPU-bound). The old
 * order (--sequential-export) against exp's, each run into fresh repositories and prefixes, with
 * the image-only and cache-only walls to show the parallel run costs no more than the slower of
 * the two. Each round runs all four back to back (the order rotates); ratios are per round.
 * The S3 run also draws bench/timeline.svg from the median round's timelines.
 */
export function seedScenario(cache: SeedCache): Scenario {
  return {
    name: cache === "s3" ? "seed" : `seed-${cache}`,
    description: `${layers * mibPerLayer} MiB image in ${layers} layers from cache: image → registry and cache (max) → ${cacheNames[cache]}, ${defaultLink.mibPerSecond} MiB/s links`,
    baseline: "BuildKit before PR #6451: the image export, then the cache export (solver/llbsolver/solver.go Solve: runExporters, then runCacheExporters, before e07b5ed18), run by exp as `--sequential-export`; and the slower of the two exports alone",
    targets: [
      // The wall targets are the seed's (S3). With Azurite they are reported, not targeted: Azurite
      // is one Node process that takes 56 MiB per second of its own CPU (36.9–62 over 5 rounds at
      // 0020bde, cache_server_mib_per_cpu_s, slowing as it fills), Swift's s3api 148: at the
      // link's 60 MiB/s the cache side is bound by that server sharing exp's 2 cores, not by the
      // link the seed models (cache-only 6.5 s against 5.3 s to S3; exp's CPU per GiB is lower).
      ...(cache === "s3"
        ? [
            { metric: "parallel_over_sequential", max: 0.52 },
            { metric: "parallel_over_slower", max: 1.05 },
          ]
        : []),
      // Issue 14: exp's CPU per GiB sent in the parallel run within 10% of the sequential run's.
      { metric: "cpu_parallel_over_sequential", max: 1.1 },
    ],
    async run({ signal, log, runs }) {
      return withRig({ registries: 1, s3: cache === "s3", azblob: cache === "azblob", signal, scenario: cache === "s3" ? "seed" : `seed-${cache}` }, async (rig, dir) => {
        const context = join(dir, "context");
        await writeRandomContext(context, layers, mibPerLayer);
        const store = await openContentStore(join(dir, "store"));
        const registry = rig.registries[0]!.link.host;
        let n = 0;
        const plan = (what: { image: boolean; cache: boolean; sequential?: boolean }): ExportPlan => {
          n++;
          return {
            ...(what.image ? { images: [`${registry}/seed/run-${n}:v1`] } : {}),
            ...(what.cache && cache === "s3" ? { s3Cache: { s3: rig.s3!, prefix: `run-${n}/`, mode: "max" as const } } : {}),
            ...(what.cache && cache === "azblob" ? { azblobCache: { azblob: rig.azblob!, prefix: `run-${n}`, mode: "max" as const } } : {}),
            ...(what.sequential ? { sequential: true } : {}),
          };
        };
        const links = [rig.registries[0]!.link, (rig.s3 ?? rig.azblob)!.link];
        const once = async (what: Parameters<typeof plan>[0]) => {
          for (const link of links) await link.reset();
          const serversBefore = await rigCpu(rig);
          const timed = await timedExport({ context, store, plan: plan(what), signal });
          const servers = cpuSince(serversBefore, await rigCpu(rig));
          // exp's CPU per GiB that crossed the links (request bodies, counted by the proxies).
          const bytes = await bytesSent(links);
          return { ...timed, bytes, cpuSPerGiB: timed.cpuMs / 1000 / (bytes / 2 ** 30), servers };
        };
        log("warm-up: build and compress once (the build-from-cache state), push once");
        await once({ image: true, cache: true });
        const kinds = ["sequential", "parallel", "image", "cache"] as const;
        const walls: Record<(typeof kinds)[number], Array<TimedExport & { bytes: number; cpuSPerGiB: number; servers: RigCpu }>> = { sequential: [], parallel: [], image: [], cache: [] };
        for (let i = 0; i < runs; i++) {
          const rotated = [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)];
          for (const kind of rotated) {
            walls[kind].push(
              await once({ image: kind !== "cache", cache: kind !== "image", ...(kind === "sequential" ? { sequential: true } : {}) }),
            );
          }
          log(`round ${i + 1}: ${kinds.map((k) => `${k} ${round(walls[k][i]!.ms, 0)} ms`).join(", ")}`);
        }
        const ms = (k: (typeof kinds)[number]) => walls[k].map((w) => w.ms);
        const slower = ms("image").map((image, i) => Math.max(image, ms("cache")[i]!));
        const medianRound = medianIndex(pairRatios(ms("parallel"), ms("sequential")));
        if (cache === "s3") {
          await writeTimelineSvg({
            sequential: walls.sequential[medianRound]!.timeline,
            parallel: walls.parallel[medianRound]!.timeline,
            title: `seed: ${layers * mibPerLayer} MiB image → registry, cache (max) → S3, ${defaultLink.mibPerSecond} MiB/s links`,
          });
        }
        return {
          sequential_ms: sampled(ms("sequential"), 0),
          parallel_ms: sampled(ms("parallel"), 0),
          image_only_ms: sampled(ms("image"), 0),
          cache_only_ms: sampled(ms("cache"), 0),
          parallel_over_sequential: sampled(pairRatios(ms("parallel"), ms("sequential"))),
          parallel_over_slower: sampled(pairRatios(ms("parallel"), slower)),
          // exp's own CPU (this process; the servers and link proxies run in their own) per GiB sent.
          parallel_exp_cpu_s_per_gib: sampled(walls.parallel.map((w) => w.cpuSPerGiB), 2),
          sequential_exp_cpu_s_per_gib: sampled(walls.sequential.map((w) => w.cpuSPerGiB), 2),
          cpu_parallel_over_sequential: sampled(pairRatios(walls.parallel.map((w) => w.cpuSPerGiB), walls.sequential.map((w) => w.cpuSPerGiB))),
          // Who else used the 2 cores in each kind of run, in CPU seconds, and how busy the machine
          // was: (exp + servers + link proxies) CPU over cores × wall. Near 1, someone waited for a core.
          ...cpuFigures("parallel", walls.parallel, cache),
          ...cpuFigures("sequential", walls.sequential, cache),
          // How fast the cache's server takes bytes per second of its own CPU (cache-only runs): under
          // the link's rate, the server, not the link, bounds the cache export on these 2 cores.
          cache_server_mib_per_cpu_s: sampled(walls.cache.map((w) => w.bytes / 2 ** 20 / w.servers[cacheServers[cache]]), 1),
          runs,
          ...linkFigures(),
        };
      });
    },
  };
}

function cpuFigures(kind: string, runs: ReadonlyArray<TimedExport & { servers: RigCpu }>, cache: SeedCache) {
  const cores = availableParallelism();
  const server = cacheServers[cache];
  return {
    [`${kind}_exp_cpu_s`]: sampled(runs.map((r) => r.cpuMs / 1000), 2),
    [`${kind}_registry_cpu_s`]: sampled(runs.map((r) => r.servers.registry), 2),
    [`${kind}_${server}_cpu_s`]: sampled(runs.map((r) => r.servers[server]), 2),
    [`${kind}_links_cpu_s`]: sampled(runs.map((r) => r.servers.links), 2),
    [`${kind}_machine_busy`]: sampled(runs.map((r) => (r.cpuMs / 1000 + r.servers.registry + r.servers[server] + r.servers.links) / ((cores * r.ms) / 1000)), 2),
  };
}

/** The index of the sample closest to the median. */
function medianIndex(values: number[]): number {
  const m = median(values);
  return values.reduce((best, v, i) => (Math.abs(v - m) < Math.abs(values[best]! - m) ? i : best), 0);
}
