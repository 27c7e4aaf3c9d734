import type { Word } from "../ast.js";
import type { SourceLocation } from "../source-location.js";
import type { LexOptions } from "../expand/shell-lexer.js";
import type { PlanContext } from "./plan-context.js";
import type { ResolvedStage } from "./resolve-stages.js";
import type { StageIndex } from "./stage-index.js";
import type { StageScope } from "./stage-scope.js";

/** Everything an instruction handler needs while one stage is planned. */
export interface DispatchState {
  ctx: PlanContext;
  index: StageIndex;
  stage: ResolvedStage;
  scope: StageScope;
  /** Global ARG values (with platform ARGs): what `ARG NAME` without a default picks up. */
  globals: Map<string, string>;
}

/** Common step fields; steps from ONBUILD triggers point at the FROM that ran them. */
export function stepBase(state: DispatchState, location: SourceLocation, trigger: boolean): { location: SourceLocation; onbuildTrigger?: true } {
  return trigger ? { location: state.stage.node.from.location, onbuildTrigger: true } : { location };
}

/**
 * Expands a word in the stage's scope. When the base image's config is unknown, says so where a
 * variable it may set was used, since Docker would have expanded it with the image's ENV.
 */
export function expandIn(state: DispatchState, word: Word, options: Partial<LexOptions> = {}): string {
  const { scope, ctx } = state;
  const expanded = ctx.expand(word, scope.lookup, options);
  const ref = scope.unknownBase;
  if (ref !== undefined) {
    for (const name of expanded.unmatched) {
      if (scope.warned.has(name)) continue;
      scope.warned.add(name);
      ctx.warn(word.location, `$${name} is not set by this Dockerfile; if base image "${ref}" sets it, pass the image's config in imageConfigs so exp expands it as Docker would`);
    }
    for (const name of expanded.matched) {
      if (!scope.guessed.has(name) || scope.warned.has(name)) continue;
      scope.warned.add(name);
      ctx.warn(word.location, `$${name} is taken to be Docker's default because the config of base image "${ref}" was not given (imageConfigs)`);
    }
  }
  return expanded.result;
}
