import { describe, expect, it } from "vitest";
import { parseReference, type Digest } from "@exp/oci-spec";
import { checkDanglingPrefix, targetNames } from "./target-names.js";

const digest = `sha256:${"a".repeat(64)}` as Digest;
const names = (refs: readonly { toString(): string }[]) => refs.map((r) => r.toString());

describe("targetNames, as BuildKit's exporter/containerimage/export.go", () => {
  it("adds the dangling name to the given names unless dangling-name-empty-only", () => {
    const given = [parseReference("r.example/app:1")];
    expect(names(targetNames(given, digest, { nameCanonical: false, danglingPrefix: "r.example/dangling", danglingEmptyOnly: false }).targets)).toEqual(["r.example/app:1", `r.example/dangling@${digest}`]);
    expect(names(targetNames(given, digest, { nameCanonical: false, danglingPrefix: "r.example/dangling", danglingEmptyOnly: true }).targets)).toEqual(["r.example/app:1"]);
    expect(names(targetNames([], digest, { nameCanonical: false, danglingPrefix: "r.example/dangling", danglingEmptyOnly: true }).targets)).toEqual([`r.example/dangling@${digest}`]);
  });

  it("name-canonical stores <name>@<digest> with the tag kept, never for the dangling name, and is off with only a dangling name", () => {
    const both = targetNames([parseReference("r.example/app:1")], digest, { nameCanonical: true, danglingPrefix: "r.example/d", danglingEmptyOnly: false });
    expect(names(both.targets)).toEqual(["r.example/app:1", `r.example/d@${digest}`]);
    expect(names(both.storeNames)).toEqual(["r.example/app:1", `r.example/d@${digest}`, `r.example/app:1@${digest}`]);
    const onlyDangling = targetNames([], digest, { nameCanonical: true, danglingPrefix: "r.example/d", danglingEmptyOnly: false });
    expect(names(onlyDangling.storeNames)).toEqual([`r.example/d@${digest}`]);
    expect(names(targetNames([parseReference("r.example/app:1")], digest, { nameCanonical: false, danglingEmptyOnly: false }).storeNames)).toEqual(["r.example/app:1"]);
  });

  it("refuses a prefix that cannot name an image, naming it", () => {
    expect(() => checkDanglingPrefix("exporter image", "Not/Valid")).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION", message: expect.stringContaining('"Not/Valid"') }));
    expect(() => checkDanglingPrefix("exporter image", "r.example/ok")).not.toThrow();
  });
});
