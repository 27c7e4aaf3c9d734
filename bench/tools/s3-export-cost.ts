import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { timedExport, writeRandomContext } from "../rig/image-from-cache.js";
import { startRig } from "../rig/rig.js";

/**
 * Before/after probe for S3 upload changes (see OPTIMIZATIONS.md): CPU time (user + system) and
 * peak RSS of this process over N cache-only exports (mode=max) of a 300 MiB image to S3 through
 * a fast link, after a warm-up. CPU time, unlike wall time, hardly depends on the machine's load.
 * Usage: node --conditions=@exp/source --import tsx bench/tools/s3-export-cost.ts [runs]
 */
const runs = Number(process.argv[2] ?? 3);
const controller = new AbortController();
const dir = await mkdtemp(join(tmpdir(), "exp-s3-cost-"));
const rig = await startRig({ registries: 0, s3: true, link: { mibPerSecond: 1000, latencyMs: 0 }, signal: controller.signal, scenario: "s3-cost" });
try {
  await writeRandomContext(join(dir, "context"), 10, 30);
  const store = await openContentStore(join(dir, "store"));
  const once = (n: number) => timedExport({ context: join(dir, "context"), store, plan: { s3Cache: { s3: rig.s3!, prefix: `run-${n}/`, mode: "max" } }, signal: controller.signal });
  await once(0);
  const cpu = process.cpuUsage();
  let wall = 0;
  for (let i = 1; i <= runs; i++) wall += (await once(i)).ms;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ runs, cpu_ms_per_export: Math.round((used.user + used.system) / 1000 / runs), wall_ms_per_export: Math.round(wall / runs), peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024) }));
} finally {
  await rig.stop();
  await rm(dir, { recursive: true, force: true });
}
