import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { timedExport, writeRandomContext, type ExportPlan } from "../rig/image-from-cache.js";
import { bytesSent } from "../rig/links.js";
import { defaultLink, withRig, linkFigures } from "../rig/rig.js";
import type { Scenario } from "../scenario.js";
import { pairRatios, round, sampled } from "../stats.js";

const layers = 10;
const mibPerLayer = 30;

/**
 * The seed's export (image → registry, cache mode=max → S3) from a runner whose one uplink carries
 * both: the registry's and S3's proxies share one link of the seed's rate. Parallel finalize
 * cannot beat the wire here; what it must not do is waste it. The limit is physical: the bytes
 * that crossed the link (request bodies through both proxies, counted by them) over its rate.
 * Each round runs the parallel and the sequential (--sequential-export) order, rotating.
 * exp's CPU per GiB sent (this process: the servers and proxies have their own) comes with it.
 */
export const scenario: Scenario = {
  name: "uplink",
  description: `${layers * mibPerLayer} MiB image in ${layers} layers from cache: image → registry and cache (max) → S3 through one shared ${defaultLink.mibPerSecond} MiB/s uplink`,
  baseline: "a physical limit: the bytes sent over the shared link divided by its rate (no client can finish sooner); the sequential order beside it",
  targets: [{ metric: "parallel_over_limit", max: 1.05 }],
  async run({ signal, log, runs }) {
    return withRig({ registries: 1, s3: true, signal, scenario: "uplink", sharedUplink: true }, async (rig, dir) => {
      const links = [rig.registries[0]!.link, rig.s3!.link];
      const rate = defaultLink.mibPerSecond * 1024 * 1024;
      const context = join(dir, "context");
      await writeRandomContext(context, layers, mibPerLayer);
      const store = await openContentStore(join(dir, "store"));
      const registry = rig.registries[0]!.link.host;
      let n = 0;
      const plan = (sequential: boolean): ExportPlan => {
        n++;
        return { images: [`${registry}/uplink/run-${n}:v1`], s3Cache: { s3: rig.s3!, prefix: `run-${n}/`, mode: "max" }, ...(sequential ? { sequential: true } : {}) };
      };
      const once = async (sequential: boolean) => {
        for (const link of links) await link.reset();
        const timed = await timedExport({ context, store, plan: plan(sequential), signal });
        const bytes = await bytesSent(links);
        return { ...timed, bytes, limitMs: (bytes / rate) * 1000 };
      };
      log("warm-up: build and compress once (the build-from-cache state), push once");
      await once(false);
      const parallel: Array<Awaited<ReturnType<typeof once>>> = [];
      const sequential: typeof parallel = [];
      for (let i = 0; i < runs; i++) {
        for (const kind of i % 2 === 0 ? (["parallel", "sequential"] as const) : (["sequential", "parallel"] as const)) {
          (kind === "parallel" ? parallel : sequential).push(await once(kind === "sequential"));
        }
        const p = parallel[i]!;
        const s = sequential[i]!;
        log(`round ${i + 1}: parallel ${round(p.ms, 0)} ms (limit ${round(p.limitMs, 0)} ms, ${round(p.bytes / 2 ** 20, 1)} MiB, exp CPU ${round(p.cpuMs, 0)} ms), sequential ${round(s.ms, 0)} ms (limit ${round(s.limitMs, 0)} ms, exp CPU ${round(s.cpuMs, 0)} ms)`);
      }
      const gib = (r: { bytes: number }) => r.bytes / 2 ** 30;
      return {
        parallel_ms: sampled(parallel.map((r) => r.ms), 0),
        sequential_ms: sampled(sequential.map((r) => r.ms), 0),
        limit_ms: sampled(parallel.map((r) => r.limitMs), 0),
        parallel_over_limit: sampled(parallel.map((r) => r.ms / r.limitMs)),
        sequential_over_limit: sampled(sequential.map((r) => r.ms / r.limitMs)),
        parallel_over_sequential: sampled(pairRatios(parallel.map((r) => r.ms), sequential.map((r) => r.ms))),
        sent_mib: sampled(parallel.map((r) => r.bytes / 2 ** 20), 1),
        parallel_exp_cpu_s_per_gib: sampled(parallel.map((r) => r.cpuMs / 1000 / gib(r)), 2),
        sequential_exp_cpu_s_per_gib: sampled(sequential.map((r) => r.cpuMs / 1000 / gib(r)), 2),
        runs,
        ...linkFigures(),
      };
    });
  },
};
