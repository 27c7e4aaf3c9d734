import { unknownRules } from "../lint/check-options.js";
import { effectiveChecks, EffectiveChecksProblem, type EffectiveChecks } from "../lint/effective-checks.js";
import { formatFinding, reportedFindings, violatedRules } from "../lint/finding.js";
import { lintRuleNames } from "../lint/rules.js";
import type { PlanContext } from "./plan-context.js";

/**
 * The check options of this build (BUILDKIT_DOCKERFILE_CHECK, else `# check=`), read before
 * anything is planned, as BuildKit builds its linter before parsing (convert.go toDispatchState).
 * A bad value is ERR_INVALID_CHECK. A rule name BuildKit does not know is ignored, as BuildKit
 * ignores it, and earns a warning of exp's own, since it is most likely a typo.
 */
export function resolveChecks(ctx: PlanContext): EffectiveChecks {
  const check = ctx.ast.directives.check;
  const location = ctx.ast.directiveLocations.check;
  let checks: EffectiveChecks;
  try {
    checks = effectiveChecks(check === undefined ? undefined : { value: check, ...(location ? { location } : {}) }, ctx.buildArgs["BUILDKIT_DOCKERFILE_CHECK"]);
  } catch (error) {
    if (!(error instanceof EffectiveChecksProblem)) throw error;
    return ctx.fail(error.location, error.message, "ERR_INVALID_CHECK");
  }
  for (const name of unknownRules(checks.options)) {
    ctx.warn(checks.location, `${checks.source} names ${JSON.stringify(name)}, which is no BuildKit lint rule, so it changes nothing (BuildKit ignores it too); the rules are ${lintRuleNames.join(", ")}`);
  }
  return checks;
}

/**
 * The warnings to show, once planning is done: findings the options skip are left out; with
 * `error=true` any reported rule fails the build, as BuildKit's Linter.Error does after
 * dispatching ("lint violation found for rules: ..."). The message lists the findings, since a
 * failed build shows no plan warnings.
 */
export function reportFindings(ctx: PlanContext, checks: EffectiveChecks): string[] {
  const reported = reportedFindings(ctx.findings, checks.options);
  const warnings = reported.map((finding) => formatFinding(ctx.file, finding));
  const rules = violatedRules(reported);
  if (checks.options.error && rules.length > 0) {
    const first = reported.find((finding) => finding.rule !== undefined)!;
    const lines = reported.filter((finding) => finding.rule !== undefined).map((finding) => `\n  ${formatFinding(ctx.file, finding)}`);
    ctx.fail(
      first.location,
      `lint violation found for rules: ${rules.join(", ")} (${checks.source} makes findings errors); fix them, or skip a rule with # check=skip=${rules[0]}${lines.join("")}`,
      "ERR_LINT_VIOLATION",
    );
  }
  return warnings;
}
