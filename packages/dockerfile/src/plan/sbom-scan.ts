import { parseGoBool } from "./go-bool.js";
import type { PlanContext } from "./plan-context.js";
import type { StageIndex } from "./stage-index.js";
import type { PlannedStage, SbomScanOverride, SbomScanPlan } from "./types.js";

/** The build args BuildKit reads to scan more than the final filesystem (dockerfile2llb/convert.go). */
export const SBOM_SCAN_STAGE_ARG = "BUILDKIT_SBOM_SCAN_STAGE";
export const SBOM_SCAN_CONTEXT_ARG = "BUILDKIT_SBOM_SCAN_CONTEXT";

/**
 * `true`, `false`, or a comma-separated list of stage names (BuildKit's isEnabledForStage): a
 * value Go's strconv.ParseBool reads decides for every stage, anything else names the stages.
 */
export function isEnabledForStage(stage: string, value: string): boolean {
  const bool = parseGoBool(value);
  if (bool !== undefined) return bool;
  return value.split(",").includes(stage);
}

/**
 * The name BuildKit gives a stage for scanning: its `AS` name, else `stage-<index>`, and "" when
 * the Dockerfile has one stage (convert.go toDispatchState); the name of the scan's file,
 * `sbom-<name>.spdx.json`.
 */
export function scanStageName(stage: Pick<PlannedStage, "index" | "name">, stageCount: number): string {
  if (stageCount === 1) return "";
  return stage.name ?? `stage-${stage.index}`;
}

/**
 * Which stages and whether the context an SBOM request scans besides the target's filesystem, as
 * BuildKit decides it (convert.go, after dispatching each stage; Dockerfile2LLB): each of the two
 * args is read from the global ARGs, then from the stage's own ARG instructions and those of the
 * stages it is built FROM (BuildKit's dispatchState.buildArgs, the base's first), the last value
 * winning. A build arg changes only an ARG the Dockerfile declares, as for any other ARG. Only
 * stages the target needs are scanned, never the target itself (its filesystem is the main
 * SBOM); the context is scanned when the target asks for it.
 *
 * `override` is exp's `--attest type=sbom,scan-stage=…,scan-context=…`: the same values, deciding
 * for every stage whatever the Dockerfile declares.
 */
export function planSbomScan(
  stages: readonly PlannedStage[],
  target: number,
  stageCount: number,
  globals: ReadonlyMap<string, string>,
  override: SbomScanOverride = {},
): SbomScanPlan {
  const declared = new Map<number, Map<string, string>>();
  const scanStages: SbomScanPlan["stages"] = [];
  let context = false;
  for (const stage of stages) {
    const values = new Map(stage.base.kind === "stage" ? declared.get(stage.base.index) : undefined);
    for (const step of stage.steps) {
      if (step.kind !== "arg") continue;
      for (const arg of step.args) {
        if ((arg.name === SBOM_SCAN_STAGE_ARG || arg.name === SBOM_SCAN_CONTEXT_ARG) && arg.value !== undefined) values.set(arg.name, arg.value);
      }
    }
    declared.set(stage.index, values);
    const name = scanStageName(stage, stageCount);
    const enabled = (arg: string, forced: string | undefined): boolean => {
      const value = forced ?? values.get(arg) ?? globals.get(arg);
      return value !== undefined && isEnabledForStage(name, value);
    };
    if (stage.index === target) context = enabled(SBOM_SCAN_CONTEXT_ARG, override.context);
    else if (enabled(SBOM_SCAN_STAGE_ARG, override.stage)) scanStages.push({ index: stage.index, name });
  }
  return { stages: scanStages, context };
}

/**
 * A `scan-stage`/`scan-context` list must name stages of this Dockerfile: BuildKit would scan
 * nothing for a misspelt name, and the user would learn it only from a missing SBOM.
 */
export function checkSbomScanOverride(ctx: PlanContext, index: StageIndex, override: SbomScanOverride | undefined): void {
  for (const [option, value] of Object.entries(override ?? {})) {
    if (value === undefined || parseGoBool(value) !== undefined) continue;
    // What scanStageName calls them: a named stage by its name only, an unnamed one stage-<index>.
    const unnamed = Array.from({ length: index.count }, (_, i) => i).filter((i) => !index.names().some((name) => index.find(name) === i));
    const stageNames = new Set([...index.names(), ...unnamed.map((i) => `stage-${i}`)]);
    for (const name of value.split(",")) {
      if (stageNames.has(name)) continue;
      ctx.fail(undefined, `sbom scan-${option}=${value}: ${JSON.stringify(name)} is no stage; expected true, false or stage names (the stages are: ${[...stageNames].join(", ")})`, "ERR_UNKNOWN_STAGE");
    }
  }
}
