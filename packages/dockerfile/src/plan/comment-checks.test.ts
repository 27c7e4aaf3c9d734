import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse/parse-dockerfile.js";
import { planBuild } from "./plan-build.js";

const rules = (text: string, buildArgs?: Record<string, string>): string[] =>
  planBuild(parseDockerfile(text), buildArgs ? { buildArgs } : {}).warnings.map((w) => `${/:(\d+):\d+: (\w+):/.exec(w)?.slice(1).join(" ") ?? w}`);

// BuildKit's WithMergedConfigFromComments (frontend/dockerfile/linter/linter.go): a `check=` in
// the comments just above an instruction adds its skips for that instruction (and, above a FROM,
// for the stage's FROM checks), on top of the file's `# check=`.
describe("check= in the comments above an instruction", () => {
  it("skips a rule for that instruction only", () => {
    const text = "FROM scratch\n# why: legacy tooling reads it\n# check=skip=MaintainerDeprecated\nMAINTAINER me\nMAINTAINER you\n";
    expect(rules(text)).toEqual(["5 MaintainerDeprecated"]);
    expect(parseDockerfile(text).stages[0]!.instructions[0]!.checkComment).toBe("skip=MaintainerDeprecated");
  });

  it("above a FROM, skips the planner's findings about that stage's FROM line", () => {
    const text = "# check=skip=UndefinedArgInFrom\nFROM scratch${A:+}\n\nFROM scratch${B:+} AS two\n";
    // The first comment is the file's directive (it is at the top), so it covers both FROMs.
    expect(rules(text)).toEqual([]);
    const local = "FROM scratch${A:+} AS one\n# check=skip=UndefinedArgInFrom\nFROM scratch${B:+} AS two\nCOPY --from=one / /\n";
    expect(rules(local)).toEqual(["1 UndefinedArgInFrom"]);
  });

  it("is not a comment's after an empty `#` line, an instruction, or when it is the top directive", () => {
    expect(rules("FROM scratch\n# check=skip=MaintainerDeprecated\n#\nMAINTAINER me\n")).toEqual(["4 MaintainerDeprecated"]);
    expect(rules("FROM scratch\n# check=skip=MaintainerDeprecated\nENV A=b\nMAINTAINER me\n")).toEqual(["4 MaintainerDeprecated"]);
    // Blank lines between the comment and the instruction do not matter.
    expect(rules("FROM scratch\n# check=skip=MaintainerDeprecated\n\n\nMAINTAINER me\n")).toEqual([]);
  });

  it("does not merge error=, and a comment that does not parse changes nothing", () => {
    expect(rules("FROM scratch\n# check=error=true\nMAINTAINER me\n")).toEqual(["3 MaintainerDeprecated"]);
    expect(rules("FROM scratch\n# check=skip=MaintainerDeprecated;error=maybe\nMAINTAINER me\n")).toEqual(["3 MaintainerDeprecated"]);
  });

  it("keeps a finding it skips from failing an error=true build", () => {
    expect(rules("# check=error=true\nFROM scratch\n# check=skip=LegacyKeyValueFormat\nENV A b\n")).toEqual([]);
    expect(() => rules("# check=error=true\nFROM scratch\n# check=skip=LegacyKeyValueFormat\nENV A b\nENV C d\n")).toThrow(/lint violation found for rules: LegacyKeyValueFormat/);
  });
});
