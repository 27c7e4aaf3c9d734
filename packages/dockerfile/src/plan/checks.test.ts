import { describe, expect, it } from "vitest";
import { DockerfileError } from "../errors.js";
import { parseDockerfile } from "../parse/parse-dockerfile.js";
import { planBuild } from "./plan-build.js";
import type { BuildPlan, PlanOptions } from "./types.js";

function plan(text: string, options?: PlanOptions): BuildPlan {
  return planBuild(parseDockerfile(text), options);
}

function failure(text: string, options?: PlanOptions): DockerfileError {
  try {
    plan(text, options);
  } catch (error) {
    if (error instanceof DockerfileError) return error;
    throw error;
  }
  throw new Error("planBuild did not fail");
}

// Two BuildKit rules at once: LegacyKeyValueFormat (line n+1) and MaintainerDeprecated (n+2),
// plus UndefinedArgInFrom, which the planner finds.
const body = "FROM scratch${X:+}\nENV A b\nMAINTAINER me\n";
const rulesOf = (warnings: string[]): string[] => warnings.map((w) => /^Dockerfile(?::\d+:\d+)?: (\w+):/.exec(w)?.[1] ?? "exp");

describe("planBuild: # check=", () => {
  it("reports every rule by its BuildKit name without a directive", () => {
    expect(rulesOf(plan(body).warnings)).toEqual(["LegacyKeyValueFormat", "MaintainerDeprecated", "UndefinedArgInFrom"]);
  });

  it("leaves out the rules skip= names, parser and planner findings alike, and all of them for skip=all", () => {
    expect(rulesOf(plan(`# check=skip=MaintainerDeprecated,UndefinedArgInFrom\n${body}`).warnings)).toEqual(["LegacyKeyValueFormat"]);
    expect(plan(`# check=skip=all\n${body}`).warnings).toEqual([]);
  });

  it("keeps exp's own warnings under skip=all", () => {
    expect(plan(`# check=skip=all\n${body}`, { buildArgs: { UNUSED: "1" } }).warnings).toEqual([expect.stringContaining('build arg "UNUSED" was not consumed')]);
  });

  it("fails the build with error=true when a rule reports, naming every rule and finding (BuildKit's Linter.Error)", () => {
    const error = failure(`# check=skip=LegacyKeyValueFormat;error=true\n${body}`);
    expect(error.code).toBe("ERR_LINT_VIOLATION");
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/^Dockerfile:4:1: lint violation found for rules: MaintainerDeprecated, UndefinedArgInFrom \(# check=skip=LegacyKeyValueFormat;error=true makes findings errors\)/);
    expect(error.message).toContain("\n  Dockerfile:2:6: UndefinedArgInFrom: FROM uses $X");
    expect(error.message).not.toContain("LegacyKeyValueFormat:");
  });

  it("builds with error=true when every finding is skipped, or when only exp's own warnings remain", () => {
    expect(plan(`# check=skip=all;error=true\n${body}`, { buildArgs: { UNUSED: "1" } }).warnings).toHaveLength(1);
    expect(plan("# check=error=true\nFROM scratch\nENV A=b\n").warnings).toEqual([]);
  });

  it("reads only the directive's first word, as BuildKit's ParseDirective", () => {
    expect(plan(`# check=skip=all error=false\n${body}`).warnings).toEqual([]);
  });

  it("lets the BUILDKIT_DOCKERFILE_CHECK build arg replace the directive outright (dockerui LinterConfig)", () => {
    // BuildKit's own test: `#check=error=true` with BUILDKIT_DOCKERFILE_CHECK=skip=all builds.
    expect(plan(`# check=error=true\n${body}`, { buildArgs: { BUILDKIT_DOCKERFILE_CHECK: "skip=all" } }).warnings).toEqual([]);
    // ...and the arg's error=true fails a build the directive would have let through.
    expect(failure(`# check=skip=all\n${body}`, { buildArgs: { BUILDKIT_DOCKERFILE_CHECK: "skip=LegacyKeyValueFormat;error=true" } }).code).toBe("ERR_LINT_VIOLATION");
    // A bad directive does not matter once the arg replaces it.
    expect(plan(`# check=bogus\n${body}`, { buildArgs: { BUILDKIT_DOCKERFILE_CHECK: "skip=all" } }).warnings).toEqual([]);
  });

  it("refuses a bad value with ERR_INVALID_CHECK at the directive, or naming the build arg", () => {
    const directive = failure(`# check=error=maybe\n${body}`);
    expect(directive.code).toBe("ERR_INVALID_CHECK");
    expect(directive.message).toMatch(/^Dockerfile:1:1: # check=error=maybe: invalid check option "error=maybe": error= takes true or false/);
    const arg = failure(body, { buildArgs: { BUILDKIT_DOCKERFILE_CHECK: "skip" } });
    expect(arg.code).toBe("ERR_INVALID_CHECK");
    expect(arg.message).toMatch(/^Dockerfile: the build arg BUILDKIT_DOCKERFILE_CHECK=skip: invalid check option "skip"/);
  });

  it("ignores a rule name BuildKit does not know, as BuildKit does, with a warning naming it", () => {
    const result = plan(`# check=skip=MaintainerDeprecatd;error=false\n${body}`);
    expect(rulesOf(result.warnings)).toContain("MaintainerDeprecated");
    expect(result.warnings).toContainEqual(expect.stringMatching(/^Dockerfile:1:1: # check=skip=MaintainerDeprecatd;error=false names "MaintainerDeprecatd", which is no BuildKit lint rule/));
    // An unknown name is no finding of a rule: error=true does not fail for it.
    expect(plan("# check=skip=Nope;error=true\nFROM scratch\n").warnings).toHaveLength(1);
  });

  it("leaves the directive's skips out of the parser's own warnings too", () => {
    const ast = parseDockerfile(`# check=skip=MaintainerDeprecated\n${body}`);
    expect(rulesOf(ast.warnings)).toEqual(["LegacyKeyValueFormat"]);
    expect(ast.findings.map((f) => f.rule)).toEqual(["LegacyKeyValueFormat", "MaintainerDeprecated"]);
  });
});
