import { formatLocation, type SourceLocation } from "../source-location.js";
import type { CheckOptions } from "./check-options.js";
import { withCommentCheck } from "./comment-checks.js";
import { experimentalLintRules, type LintRuleName } from "./rules.js";

/**
 * Something Docker accepts but warns about. `rule` names the BuildKit lint rule it stands for,
 * so `# check=` can skip it or make it fail the build; warnings of exp's own (a build arg nothing
 * consumed, a value guessed for lack of a base image config) have none and always show.
 */
export interface Finding {
  rule?: LintRuleName;
  /** Omitted when the warning is about no line (an unused build arg). */
  location?: SourceLocation;
  message: string;
  /** The `check=` of the comments above the instruction it is about (see checkFromComments). */
  commentCheck?: string;
}

/** `Dockerfile:3:1: MaintainerDeprecated: MAINTAINER is deprecated; ...`, the rule name there to skip it by. */
export function formatFinding(file: string, finding: Finding): string {
  const where = finding.location ? formatLocation(file, finding.location) : file;
  return `${where}: ${finding.rule ? `${finding.rule}: ` : ""}${finding.message}`;
}

/**
 * The findings the check options let through, as BuildKit's Linter.Run decides: an experimental
 * rule only when `experimental=` names it (or all), any other rule unless `skip=` names it (or
 * all), the instruction's own comment `check=` added to the options. Findings without a rule
 * always pass.
 */
export function reportedFindings(findings: readonly Finding[], build: CheckOptions): Finding[] {
  return findings.filter(({ rule, commentCheck }) => {
    if (rule === undefined) return true;
    const options = withCommentCheck(build, commentCheck);
    if (experimentalLintRules.has(rule)) return options.experimentalAll || options.experimental.has(rule);
    return !options.skipAll && !options.skip.has(rule);
  });
}

/** The rules among reported findings, each once, in order: what `error=true` fails the build for. */
export function violatedRules(findings: readonly Finding[]): LintRuleName[] {
  return [...new Set(findings.flatMap((f) => (f.rule ? [f.rule] : [])))];
}
