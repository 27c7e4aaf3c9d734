import { describe, expect, it } from "vitest";
import { AttrWalkError } from "./attr-walk-error.js";
import { walkAttrs } from "./walk-attrs.js";
import type { AttrCase, AttrWalkOptions } from "./types.js";

// A toy exporter whose artifact is one file: `upper` upper-cases it, `suffix=<s>` appends <s>.
// Its broken twins show that the walk fails on each kind of defect it exists to catch.
interface Toy {
  content: string;
}
type Behaviour = { ignoresSuffix?: boolean; neverReadsSuffix?: boolean; random?: boolean };

function toyOptions(behaviour: Behaviour = {}, cases: readonly AttrCase<Toy>[] = rows): AttrWalkOptions<Toy> {
  const read = (attrs: Readonly<Record<string, string>>) => {
    const used = new Set<string>(["upper"]);
    if (!behaviour.neverReadsSuffix) used.add("suffix");
    return { used, upper: attrs.upper === "true", suffix: behaviour.neverReadsSuffix ? undefined : attrs.suffix };
  };
  return {
    name: "toy exporter",
    keys: ["upper", "suffix", "dest"],
    exempt: { dest: "required by every export" },
    attrs: { dest: "out" },
    cases,
    async export(attrs) {
      const options = read(attrs);
      let content = "hello";
      if (options.upper) content = content.toUpperCase();
      if (options.suffix !== undefined && !behaviour.ignoresSuffix) content += options.suffix;
      if (behaviour.random) content += Math.random();
      return { content };
    },
    fingerprint: (toy) => toy.content,
    unread: (attrs) => Object.keys(attrs).filter((key) => key !== "dest" && !read(attrs).used.has(key)),
  };
}

const rows: readonly AttrCase<Toy>[] = [
  { key: "upper", with: { upper: "true" }, expect: "the file upper-cased", differs: (a, b) => expect(b.content).toBe(a.content.toUpperCase()) },
  { key: "suffix", with: { suffix: "!" }, expect: "the file ends with the suffix", differs: (a, b) => expect(b.content).toBe(`${a.content}!`) },
];

async function findingsOf(options: AttrWalkOptions<Toy>) {
  const failure = await walkAttrs(options).then(() => undefined, (error: unknown) => error);
  expect(failure).toBeInstanceOf(AttrWalkError);
  return (failure as AttrWalkError).findings;
}

describe("walkAttrs", () => {
  it("passes an exporter that applies every attribute as expected", async () => {
    await expect(walkAttrs(toyOptions())).resolves.toBeUndefined();
  });

  it("fails an exporter that reads an attribute and ignores it", async () => {
    const findings = await findingsOf(toyOptions({ ignoresSuffix: true }));
    expect(findings).toEqual([{ key: "suffix", problem: expect.stringContaining("changes nothing in the artifact") }]);
  });

  it("fails an exporter that accepts an attribute and never reads it", async () => {
    const findings = await findingsOf(toyOptions({ neverReadsSuffix: true }));
    expect(findings.map((f) => f.problem)).toEqual([expect.stringContaining("suffix is accepted but never read"), expect.stringContaining("changes nothing")]);
  });

  it("fails an attribute that changes the artifact, but not as BuildKit's would", async () => {
    const wrong: AttrCase<Toy> = { ...rows[1]!, differs: (a, b) => expect(b.content).toBe(`!${a.content}`) };
    const findings = await findingsOf(toyOptions({}, [rows[0]!, wrong]));
    expect(findings).toEqual([{ key: "suffix", problem: expect.stringContaining("does not change the artifact as expected") }]);
  });

  it("fails a table key with no row or exemption, and a row for a key not in the table", async () => {
    const findings = await findingsOf({ ...toyOptions(), keys: ["upper", "dest", "extra"] });
    expect(findings.map((f) => [f.key, f.problem.split(":")[0]])).toEqual([
      ["extra", "no row in the walk and no exemption"],
      ["suffix", "a row or exemption for a key the option table does not have"],
    ]);
  });

  it("refuses to judge an artifact that differs between two identical exports", async () => {
    await expect(walkAttrs(toyOptions({ random: true }))).rejects.toThrow(/two exports with the same attributes .* differ/);
  });
});
