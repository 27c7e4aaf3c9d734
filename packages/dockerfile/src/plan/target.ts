import { didYouMean } from "@exp/errors";
import type { PlanContext } from "./plan-context.js";
import type { ResolvedStage } from "./resolve-stages.js";
import type { StageIndex } from "./stage-index.js";

/** The target stage's index: by name (case-insensitive), or the last stage. */
export function selectTarget(ctx: PlanContext, index: StageIndex, target: string | undefined): number {
  if (target === undefined) return index.count - 1;
  const found = index.find(target);
  if (found !== undefined) return found;
  const names = index.names();
  const suggestion = didYouMean(target, names);
  ctx.fail(
    undefined,
    `target stage ${JSON.stringify(target)} not found` +
      (suggestion ? ` (did you mean "${suggestion}"?)` : "") +
      (names.length > 0 ? `; the stages are: ${names.join(", ")}` : "; this Dockerfile has no named stages (name one with FROM <image> AS <name>)"),
    "ERR_UNKNOWN_TARGET",
  );
}

/** Indexes of the stages the target needs, itself included, in file order (dependencies first). */
export function requiredStages(stages: readonly ResolvedStage[], target: number): number[] {
  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    for (const dep of stages[i]!.deps) visit(dep);
  };
  visit(target);
  // References only point backwards, so file order is a dependency order with the target last.
  return [...needed].sort((a, b) => a - b);
}
