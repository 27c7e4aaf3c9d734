import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { openContentStore } from "@exp/content";
import { timedExport, writeRandomContext, type ExportPlan } from "../rig/image-from-cache.js";
import { bytesSent } from "../rig/links.js";
import { cpuSince, rigCpu } from "../rig/process-cpu.js";
import { defaultLink, startRig } from "../rig/rig.js";
import { summarizeProfile, type CpuProfile } from "./profile-summary.js";

/**
 * The CPU profile of exp's export alone (not the build, the rig or tsx): the seed scenario's
 * image (10 × 30 MiB from cache) exported to the registry and, mode=max, to S3 over the seed's
 * links, parallel or sequential, with the V8 profiler started just before runExport and stopped
 * just after (`--cpu-prof` would profile the whole process). Prints exp's CPU per GiB sent, the
 * garbage collections during the export (full ones cost tens of ms each, mostly on V8's helper
 * threads, so they show in exp's CPU more than in the main thread's profile), the servers' CPU,
 * and the profile's top self-time entries; writes the .cpuprofile for Chrome's DevTools.
 * The profile samples wall time on the main thread: on a loaded machine, a function the OS
 * paused in looks longer than it ran. Read CPU seconds from the first line.
 * Usage: node --conditions=@exp/source --import tsx bench/tools/export-profile.ts [parallel|sequential|image|cache] [out-dir]
 */
const kind = (process.argv[2] ?? "parallel") as "parallel" | "sequential" | "image" | "cache";
const outDir = process.argv[3] ?? tmpdir();
const controller = new AbortController();
const dir = await mkdtemp(join(tmpdir(), "exp-export-profile-"));
const rig = await startRig({ registries: 1, s3: true, signal: controller.signal, scenario: "export-profile" });
const session = new Session();
session.connect();
let profile: CpuProfile | undefined;
const collections = { minor: 0, major: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const gcKind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (gcKind === constants.NODE_PERFORMANCE_GC_MAJOR) collections.major++;
    else if (gcKind === constants.NODE_PERFORMANCE_GC_MINOR) collections.minor++;
  }
});
try {
  await writeRandomContext(join(dir, "context"), 10, 30);
  const store = await openContentStore(join(dir, "store"));
  const registry = rig.registries[0]!.link.host;
  const links = [rig.registries[0]!.link, rig.s3!.link];
  const plan = (n: number): ExportPlan => ({
    ...(kind !== "cache" ? { images: [`${registry}/profile/run-${n}:v1`] } : {}),
    ...(kind !== "image" ? { s3Cache: { s3: rig.s3!, prefix: `run-${n}/`, mode: "max" as const } } : {}),
    ...(kind === "sequential" ? { sequential: true } : {}),
  });
  await timedExport({ context: join(dir, "context"), store, plan: plan(0), signal: controller.signal });
  for (const link of links) await link.reset();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  const serversBefore = await rigCpu(rig);
  const timed = await timedExport({
    context: join(dir, "context"),
    store,
    plan: plan(1),
    signal: controller.signal,
    around: {
      start: async () => {
        gcObserver.observe({ entryTypes: ["gc"] });
        await session.post("Profiler.start");
      },
      stop: async () => {
        profile = (await session.post("Profiler.stop")).profile as CpuProfile;
        gcObserver.disconnect();
      },
    },
  });
  const servers = cpuSince(serversBefore, await rigCpu(rig));
  const bytes = await bytesSent(links);
  const path = join(outDir, `export-${kind}.cpuprofile`);
  await writeFile(path, JSON.stringify(profile));
  console.log(
    `${kind}: wall ${Math.round(timed.ms)} ms, exp CPU ${Math.round(timed.cpuMs)} ms (${(timed.cpuMs / 1000 / (bytes / 2 ** 30)).toFixed(2)} s/GiB of ${(bytes / 2 ** 20).toFixed(0)} MiB sent), ` +
      `collections ${collections.minor} minor, ${collections.major} full; registry ${servers.registry.toFixed(2)} s, swift ${servers.swift.toFixed(2)} s, link proxies ${servers.links.toFixed(2)} s CPU; ${defaultLink.mibPerSecond} MiB/s links; profile ${path}`,
  );
  console.log(summarizeProfile(profile!, 30));
} finally {
  session.disconnect();
  await rig.stop();
  await rm(dir, { recursive: true, force: true });
}
