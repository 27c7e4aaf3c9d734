import { describe, expect, it } from "vitest";
import { DockerfileError } from "../errors.js";
import { parseDockerfile } from "../parse/parse-dockerfile.js";
import { isAcceptedSyntax } from "../parse/accepted-syntax.js";
import { planBuild } from "./plan-build.js";
import type { PlanOptions } from "./types.js";

function failure(run: () => unknown): DockerfileError {
  try {
    run();
  } catch (error) {
    if (error instanceof DockerfileError) return error;
    throw error;
  }
  throw new Error("did not fail");
}

const plan = (text: string, options?: PlanOptions) => planBuild(parseDockerfile(text), options);

describe("# syntax=", () => {
  it.each([
    "docker/dockerfile:1",
    "docker/dockerfile",
    "docker/dockerfile:1.7",
    "docker/dockerfile:1.7.1",
    "docker/dockerfile:1-labs",
    "docker/dockerfile:1.8-labs",
    "docker/dockerfile:1.10.0-rc1",
    "docker/dockerfile:latest",
    "docker.io/docker/dockerfile:1",
    `docker/dockerfile:1@sha256:${"a".repeat(64)}`,
    "docker/dockerfile-upstream:master",
    "dockerfile.v0",
  ])("accepts %s", (ref) => {
    expect(isAcceptedSyntax(ref)).toBe(true);
    expect(plan(`# syntax=${ref}\nFROM scratch\n`).stages).toHaveLength(1);
  });

  it.each(["docker/dockerfile:0.9", "tonistiigi/dockerfile:1", "example.com/docker/dockerfile:1", "docker/dockerfile:2", "dockerfile:1", "docker/dockerfile:master"])("refuses %s", (ref) => {
    expect(isAcceptedSyntax(ref)).toBe(false);
  });

  it("refuses another frontend with ERR_UNSUPPORTED_FRONTEND, naming it, at the directive", () => {
    const error = failure(() => plan("# escape=`\n# syntax=example.com/my/frontend:2 --opt\nFROM scratch\n"));
    expect(error.code).toBe("ERR_UNSUPPORTED_FRONTEND");
    expect(error.line).toBe(2);
    expect(error.message).toContain('# syntax=example.com/my/frontend:2 --opt asks for the frontend image "example.com/my/frontend:2"');
    expect(error.message).toContain("docker/dockerfile:1");
  });

  it("lets the BUILDKIT_SYNTAX build arg win over the directive, both ways (builder/build.go)", () => {
    expect(plan("# syntax=example.com/other\nFROM scratch\n", { buildArgs: { BUILDKIT_SYNTAX: "docker/dockerfile:1.9" } }).stages).toHaveLength(1);
    const error = failure(() => plan("# syntax=docker/dockerfile:1\nFROM scratch\n", { buildArgs: { BUILDKIT_SYNTAX: " example.com/other:1 --x " } }));
    expect(error.code).toBe("ERR_UNSUPPORTED_FRONTEND");
    expect(error.line).toBe(0);
    expect(error.message).toContain('the build arg BUILDKIT_SYNTAX=example.com/other:1 --x asks for the frontend image "example.com/other:1"');
    // The arg is the frontend's, not the Dockerfile's: no "not consumed" warning.
    expect(plan("FROM scratch\n", { buildArgs: { BUILDKIT_SYNTAX: "docker/dockerfile:1" } }).warnings).toEqual([]);
  });

  it("names the frontend of a file exp cannot even parse, instead of the parse error", () => {
    const error = failure(() => parseDockerfile('{"syntax": "example.com/json-frontend", "steps": []}', { fileName: "build.json" }));
    expect(error.code).toBe("ERR_UNSUPPORTED_FRONTEND");
    expect(error.message).toMatch(/^build\.json:1:1: # syntax=example\.com\/json-frontend asks for the frontend image "example\.com\/json-frontend"/);
    expect(error.message).toContain("exp's parser cannot read the file either");
    expect((error.cause as DockerfileError).code).toBe("ERR_UNKNOWN_INSTRUCTION");
    // An accepted frontend keeps the parse error.
    expect(failure(() => parseDockerfile("# syntax=docker/dockerfile:1\nFROMM scratch\n")).code).toBe("ERR_UNKNOWN_INSTRUCTION");
  });
});
