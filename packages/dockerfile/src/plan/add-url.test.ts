import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse/parse-dockerfile.js";
import { planBuild } from "./plan-build.js";
import type { CopyStep, PlanOptions } from "./types.js";
import { urlFileName } from "./url-file-name.js";

function copyStep(text: string, options?: PlanOptions): CopyStep {
  const plan = planBuild(parseDockerfile(text), options);
  const step = plan.stages.at(-1)!.steps.find((s) => s.kind === "copy");
  if (step?.kind !== "copy") throw new Error("no copy step");
  return step;
}

describe("urlFileName (BuildKit's convert_copy.go and pathutil.SafeFileName)", () => {
  it.each([
    ["https://example.com/files/app.tar.gz", "app.tar.gz"],
    ["https://example.com/files/app.tar.gz?x=1#frag", "app.tar.gz"],
    ["https://example.com/dir/", "dir"],
    ["https://example.com/a%20b.txt", "a b.txt"],
    ["https://example.com", "__unnamed__"],
    ["https://example.com/", "__unnamed__"],
    ["https://example.com/bad%zz", "__unnamed__"],
    ["https://example.com/..", "download"],
    ["https://example.com/%2e%2e", "download"],
    ["https://example.com/a%0Ab", "download"],
  ])("%s → %s", (url, name) => {
    expect(urlFileName(url)).toBe(name);
  });
});

describe("planBuild: ADD <url>", () => {
  it("copies the download by its file name from a url source, with the URL in the history", () => {
    const step = copyStep("FROM scratch\nARG V=1.2\nWORKDIR /opt\nADD --chmod=755 https://example.com/v${V}/tool.tar.gz ./\n");
    expect(step.from).toEqual({ kind: "url", url: "https://example.com/v1.2/tool.tar.gz", filename: "tool.tar.gz" });
    expect(step.sources).toEqual(["tool.tar.gz"]);
    expect(step.dest).toBe("/opt/");
    expect(step.chmod).toBe("755");
    expect(step.createdBy).toBe("ADD --chmod=755 https://example.com/v1.2/tool.tar.gz ./ # buildkit");
  });

  it("expands --checksum (BuildKit's AddCommand.Expand) onto the url source", () => {
    const sum = `sha256:${"ab".repeat(32)}`;
    const step = copyStep(`FROM scratch\nARG SUM\nADD --checksum=\${SUM} http://example.com/f /f\n`, { buildArgs: { SUM: sum } });
    expect(step.from).toEqual({ kind: "url", url: "http://example.com/f", filename: "f", checksum: sum });
  });

  it("copies a file whose name has glob characters as that file, not as a pattern (BuildKit: no wildcards for an http source)", () => {
    const step = copyStep("FROM scratch\nADD https://example.com/a%5B1%5D*.txt /d/\n");
    expect(step.from).toMatchObject({ filename: "a[1]*.txt" });
    expect(step.sources).toEqual(["a[[]1][*].txt"]);
  });

  it("takes a source spelled HTTP:// as BuildKit does not (a local path would be; exp refuses it)", () => {
    expect(() => copyStep("FROM scratch\nADD HTTP://example.com/x /x\n")).toThrow(/http:\/\/ and https:\/\/ URLs only/);
  });
});
