import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { countGcTicks } from "./calibrate.js";
import { writeContext } from "./context.js";
import { checkStore, runExp, spawnExp, STUCK_MS, takeKillReport, type StoreCheck } from "./exp.js";
import type { KillReport } from "./phases.js";
import type { TrialPlan } from "./plan.js";
import { verifyPushed } from "./verify.js";
import { buildArgv, TrialError, type CrashWorld, type Stores } from "./world.js";

export interface TrialResult {
  plan: TrialPlan;
  /** The tick the kill was aimed at, and the count it was drawn from. */
  at: number;
  bound: number;
  /** Where the process died; undefined when it ran to the end (the tick was never reached). */
  killed?: KillReport;
  /** Notes the store check made after the kill (temp files of the dead writer, its lease…). */
  notesAfterKill: string[];
}

/**
 * One trial: kill `exp` at the planned point, then `exp store check` must find no fault, the same
 * build must succeed, the pushed image (registry) must verify, and the store must check clean again.
 */
export async function runTrial(world: CrashWorld, stores: Stores, plan: TrialPlan): Promise<TrialResult> {
  const store = plan.freshStore || stores.current === "" || stores.poisoned ? await stores.next() : stores.current;
  try {
    return await killAndRecover(world, stores, store, plan);
  } catch (error) {
    stores.poisoned = true;
    throw error;
  }
}

async function killAndRecover(world: CrashWorld, stores: Stores, store: string, plan: TrialPlan): Promise<TrialResult> {
  const context = join(world.work, "context");
  await writeContext(context, stores.seed, plan.contentSeed);
  await mkdir(join(world.work, "out"), { recursive: true });
  const argv = buildArgv(world, plan.scenario, store, context, plan.index);
  const report = join(world.work, "kill.json");
  const label = `trial ${plan.index} (${plan.phase}, ${plan.scenario})`;

  let killArgv = argv;
  let bound = world.bounds[plan.scenario][plan.phase];
  if (plan.phase === "gc") {
    // The killed process is `exp prune`; the build first gives it something to collect.
    await expectBuild(argv, world.work, `${label}: build before prune`);
    killArgv = ["prune", "-f", ...(plan.pruneAll ? ["-a"] : []), "--root", store];
    bound = await countGcTicks(world, store, killArgv);
  }
  const at = Math.floor(plan.fraction * bound);
  // EXP_CRASH_TRACE=<dir>: every tick of every killed process, to see what a failing trial's kill interrupted.
  const trace = process.env.EXP_CRASH_TRACE ? { trace: join(process.env.EXP_CRASH_TRACE, `trial-${plan.index}.txt`) } : {};
  const outcome = await spawnExp(killArgv, { root: store, mode: "kill", phase: plan.phase, at, report, ...trace }, world.work);
  const killed = await takeKillReport(report);
  if (outcome.stuck || (killed ? outcome.signal !== "SIGKILL" : outcome.code !== 0)) {
    const how = outcome.stuck ? `was stuck for ${STUCK_MS} ms` : `exited with ${outcome.code ?? outcome.signal}`;
    throw new TrialError(`${label}: exp ${how} (kill report: ${JSON.stringify(killed)}): ${outcome.stderrTail}`);
  }

  const afterKill = await expectClean(store, world.work, `${label}: store check after the kill at ${killed?.point ?? "(no kill)"}`);
  await expectBuild(argv, world.work, `${label}: re-running the build after the kill at ${killed?.point ?? "(no kill)"}`);
  if (plan.scenario === "registry") await verifyPushed(world, plan.index, label);
  await expectClean(store, world.work, `${label}: store check after the re-run`);
  return { plan, at, bound, ...(killed ? { killed } : {}), notesAfterKill: afterKill.notes };
}

async function expectBuild(argv: readonly string[], home: string, what: string): Promise<void> {
  const result = await runExp(argv, home);
  if (result.exit !== 0) throw new TrialError(`${what}: exit ${result.exit}\n${result.stderr.split("\n").filter((l) => !l.startsWith("{")).join("\n")}`);
}

async function expectClean(store: string, home: string, what: string): Promise<StoreCheck> {
  const check = await checkStore(store, home);
  if (check.exit !== 0 || check.faults.length > 0) {
    throw new TrialError(`${what}: exit ${check.exit}, faults:\n${check.faults.map((f) => `  ${f.code} ${f.path}: ${f.message}`).join("\n")}\n${check.stderr}`);
  }
  return check;
}

