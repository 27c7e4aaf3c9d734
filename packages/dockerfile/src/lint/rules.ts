/**
 * The rule names of BuildKit's Dockerfile linter (frontend/dockerfile/linter/ruleset.go, v0.28),
 * so `# check=skip=...` can name any of them. exp emits only some (see `emittedLintRules`);
 * skipping one it never emits changes nothing, as in BuildKit when that rule does not fire.
 */
export const lintRuleNames = [
  "StageNameCasing",
  "FromAsCasing",
  "NoEmptyContinuation",
  "ConsistentInstructionCasing",
  "DuplicateStageName",
  "ReservedStageName",
  "JSONArgsRecommended",
  "MaintainerDeprecated",
  "UndefinedArgInFrom",
  "WorkdirRelativePath",
  "UndefinedVar",
  "MultipleInstructionsDisallowed",
  "LegacyKeyValueFormat",
  "InvalidBaseImagePlatform",
  "RedundantTargetPlatform",
  "SecretsUsedInArgOrEnv",
  "InvalidDefaultArgInFrom",
  "FromPlatformFlagConstDisallowed",
  "CopyIgnoredFile",
  "InvalidDefinitionDescription",
  "ExposeProtoCasing",
  "ExposeInvalidFormat",
] as const;

export type LintRuleName = (typeof lintRuleNames)[number];

/** Rules BuildKit runs only when `experimental=` names them (ruleset.go `Experimental: true`). */
export const experimentalLintRules: ReadonlySet<LintRuleName> = new Set(["InvalidDefinitionDescription"]);

const known: ReadonlySet<string> = new Set(lintRuleNames);

export function isLintRuleName(name: string): name is LintRuleName {
  return known.has(name);
}
