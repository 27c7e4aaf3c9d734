import { cp, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeContext } from "./context.js";
import { spawnExp, takeCounts } from "./exp.js";
import type { Phase, TickCounts } from "./phases.js";
import type { Scenario } from "./plan.js";
import { buildArgv, TrialError, type CrashWorld } from "./world.js";

/**
 * Counts every build phase's ticks for one scenario: a build into a fresh store, then one into
 * the same store with new trial content (its shared layer now a cache hit, so fewer ticks). The
 * smaller count of the two is a kill point every trial's build is sure to reach.
 */
export async function calibrate(world: Omit<CrashWorld, "bounds">, scenario: Scenario): Promise<TickCounts> {
  const store = join(world.work, `calibrate-${scenario}`);
  const context = join(world.work, `calibrate-${scenario}-context`);
  const report = join(world.work, "counts.json");
  const runs: TickCounts[] = [];
  for (const seed of [1, 2]) {
    await writeContext(context, 7, seed);
    const argv = buildArgv({ ...world, bounds: {} as CrashWorld["bounds"] }, scenario, store, context, 1000 + seed);
    const outcome = await spawnExp(argv, { root: store, mode: "count", report }, world.work);
    if (outcome.code !== 0) throw new TrialError(`calibration build (${scenario}) failed with ${outcome.code ?? outcome.signal}: ${outcome.stderrTail}`);
    runs.push(await takeCounts(report));
  }
  await rm(store, { recursive: true, force: true });
  await rm(context, { recursive: true, force: true });
  return Object.fromEntries(Object.keys(runs[0]!).map((phase) => [phase, Math.min(...runs.map((r) => r[phase as Phase]))])) as TickCounts;
}

/** GC's tick count depends on what the store holds now: count it on a copy (same dead pids, same garbage). */
export async function countGcTicks(world: CrashWorld, store: string, pruneArgv: readonly string[]): Promise<number> {
  const copy = `${store}-gc-count`;
  await rm(copy, { recursive: true, force: true });
  await cp(store, copy, { recursive: true });
  const report = join(world.work, "gc-counts.json");
  try {
    const argv = pruneArgv.map((a) => (a === store ? copy : a));
    const outcome = await spawnExp(argv, { root: copy, mode: "count", report }, world.work);
    if (outcome.code !== 0) throw new TrialError(`counting gc ticks: exp prune failed with ${outcome.code ?? outcome.signal}: ${outcome.stderrTail}`);
    return (await takeCounts(report)).gc;
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}
