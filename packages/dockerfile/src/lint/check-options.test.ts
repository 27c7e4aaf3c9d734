import { describe, expect, it } from "vitest";
import { CheckOptionsProblem, parseCheckOptions, unknownRules } from "./check-options.js";
import { reportedFindings, violatedRules, type Finding } from "./finding.js";

// BuildKit's linter.ParseLintOptions and Linter.Run (frontend/dockerfile/linter/linter.go).
describe("parseCheckOptions", () => {
  it("reads skip lists, skip=all, experimental and error as BuildKit does", () => {
    const options = parseCheckOptions(" skip = MaintainerDeprecated , LegacyKeyValueFormat ; error = TRUE ");
    expect([...options.skip]).toEqual(["MaintainerDeprecated", "LegacyKeyValueFormat"]);
    expect(options.error).toBe(true);
    expect(options.skipAll).toBe(false);
    expect(parseCheckOptions("skip=all").skipAll).toBe(true);
    expect(parseCheckOptions("experimental=all").experimentalAll).toBe(true);
    expect(parseCheckOptions("error=0").error).toBe(false);
    expect(parseCheckOptions("")).toMatchObject({ skipAll: false, error: false });
  });

  it.each([
    ["error=yes", /error= takes true or false/],
    ["skip", /invalid check option "skip"/],
    ["warn=all", /invalid check option "warn"/],
    // SplitN(..., ";", 3): the fourth part stays in the third one's value, which then fails to parse.
    ["skip=A;skip=B;error=true;skip=C", /error= takes true or false/],
  ])("refuses %j", (value, message) => {
    expect(() => parseCheckOptions(value)).toThrow(CheckOptionsProblem);
    expect(() => parseCheckOptions(value)).toThrow(message);
  });

  it("keeps a rule name BuildKit does not know (it matches nothing) and lists it", () => {
    const options = parseCheckOptions("skip=MaintainerDeprecatd,MaintainerDeprecated;experimental=Nope");
    expect(unknownRules(options)).toEqual(["MaintainerDeprecatd", "Nope"]);
  });
});

describe("reportedFindings", () => {
  const findings: Finding[] = [
    { rule: "MaintainerDeprecated", message: "m" },
    { rule: "InvalidDefinitionDescription", message: "experimental" },
    { message: "exp's own" },
  ];

  it("reports experimental rules only when asked, others unless skipped, exp's own always", () => {
    expect(reportedFindings(findings, parseCheckOptions("")).map((f) => f.message)).toEqual(["m", "exp's own"]);
    expect(reportedFindings(findings, parseCheckOptions("skip=all")).map((f) => f.message)).toEqual(["exp's own"]);
    // skip=all does not silence an experimental rule that experimental= turns on (Linter.Run checks them apart).
    expect(reportedFindings(findings, parseCheckOptions("skip=all;experimental=InvalidDefinitionDescription")).map((f) => f.message)).toEqual(["experimental", "exp's own"]);
    expect(violatedRules(reportedFindings(findings, parseCheckOptions("experimental=all")))).toEqual(["MaintainerDeprecated", "InvalidDefinitionDescription"]);
  });
});
