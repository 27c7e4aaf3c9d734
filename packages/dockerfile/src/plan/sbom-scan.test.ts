import { describe, expect, it } from "vitest";
import { DockerfileError } from "../errors.js";
import { parseDockerfile } from "../parse/parse-dockerfile.js";
import { planBuild } from "./plan-build.js";
import { isEnabledForStage } from "./sbom-scan.js";
import type { PlanOptions, SbomScanPlan } from "./types.js";

// BUILDKIT_SBOM_SCAN_STAGE / _CONTEXT as BuildKit reads them (dockerfile2llb/convert.go, docs/attestations/sbom.md).
const scan = (text: string, options?: PlanOptions): SbomScanPlan => planBuild(parseDockerfile(text), options).sbomScan;
const stages = (text: string, options?: PlanOptions) => scan(text, options).stages.map((s) => s.name);

const threeStages = "FROM scratch AS deps\nCOPY a /a\nFROM scratch AS build\nCOPY --from=deps /a /b\nFROM scratch AS final\nCOPY --from=build /b /c\n";

describe("isEnabledForStage", () => {
  it.each([
    ["true", "x", true],
    ["1", "x", true],
    ["False", "x", false],
    ["x,y", "y", true],
    ["x,y", "z", false],
    ["X", "x", false],
  ])("%s for stage %s is %s", (value, stage, enabled) => {
    expect(isEnabledForStage(stage, value)).toBe(enabled);
  });
});

describe("planBuild: the SBOM's extra scans", () => {
  it("scans nothing more unless asked", () => {
    expect(scan(threeStages)).toEqual({ stages: [], context: false });
  });

  it("scans every stage the target needs, never the target itself, when a global ARG says true", () => {
    expect(stages(`ARG BUILDKIT_SBOM_SCAN_STAGE=true\n${threeStages}`)).toEqual(["deps", "build"]);
  });

  it("never scans a stage the target does not need", () => {
    const text = `ARG BUILDKIT_SBOM_SCAN_STAGE=true\nFROM scratch AS unused\nCOPY u /u\n${threeStages}`;
    expect(stages(text)).toEqual(["deps", "build"]);
    expect(stages(text, { target: "build" })).toEqual(["deps"]);
  });

  it("takes a stage's own ARG over the global one, and a list of stage names", () => {
    const own = "ARG BUILDKIT_SBOM_SCAN_STAGE=true\nFROM scratch AS deps\nARG BUILDKIT_SBOM_SCAN_STAGE=false\nCOPY a /a\nFROM scratch AS build\nCOPY --from=deps /a /b\nFROM scratch\nCOPY --from=build /b /c\n";
    expect(stages(own)).toEqual(["build"]);
    expect(stages(`ARG BUILDKIT_SBOM_SCAN_STAGE=build\n${threeStages}`)).toEqual(["build"]);
  });

  it("carries a stage's ARG into the stages built FROM it, as BuildKit's buildArgs do", () => {
    const text = "FROM scratch AS base\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nCOPY a /a\nFROM base AS build\nCOPY b /b\nFROM scratch\nCOPY --from=build /b /c\n";
    expect(stages(text)).toEqual(["base", "build"]);
  });

  it("names an unnamed stage stage-<index>, as the scan's file name", () => {
    expect(scan("ARG BUILDKIT_SBOM_SCAN_STAGE=true\nFROM scratch\nCOPY a /a\nFROM scratch\nCOPY --from=0 /a /b\n").stages).toEqual([{ index: 0, name: "stage-0" }]);
  });

  it("lets a build arg change only an ARG the Dockerfile declares", () => {
    expect(stages(threeStages, { buildArgs: { BUILDKIT_SBOM_SCAN_STAGE: "true" } })).toEqual([]);
    expect(stages(`ARG BUILDKIT_SBOM_SCAN_STAGE=false\n${threeStages}`, { buildArgs: { BUILDKIT_SBOM_SCAN_STAGE: "deps" } })).toEqual(["deps"]);
  });

  it("scans the context when the target's ARG says so, by name or true", () => {
    expect(scan(`${threeStages}ARG BUILDKIT_SBOM_SCAN_CONTEXT=true\n`).context).toBe(true);
    expect(scan(`ARG BUILDKIT_SBOM_SCAN_CONTEXT=final\n${threeStages}`).context).toBe(true);
    // Only the target's value counts: a build stage asking for it does not.
    expect(scan("FROM scratch AS deps\nARG BUILDKIT_SBOM_SCAN_CONTEXT=true\nCOPY a /a\nFROM scratch\nCOPY --from=deps /a /b\n").context).toBe(false);
  });

  it("gives a one-stage Dockerfile's stage no name, as BuildKit does, so a list never names it", () => {
    expect(scan("ARG BUILDKIT_SBOM_SCAN_CONTEXT=final\nFROM scratch AS final\nCOPY a /a\n").context).toBe(false);
    expect(scan("ARG BUILDKIT_SBOM_SCAN_CONTEXT=1\nFROM scratch AS final\nCOPY a /a\n").context).toBe(true);
  });

  it("lets exp's scan-stage and scan-context decide over every ARG", () => {
    const off = `ARG BUILDKIT_SBOM_SCAN_STAGE=true\n${threeStages}`;
    expect(stages(off, { sbomScan: { stage: "false" } })).toEqual([]);
    expect(stages(threeStages, { sbomScan: { stage: "true" } })).toEqual(["deps", "build"]);
    expect(stages(threeStages, { sbomScan: { stage: "deps" } })).toEqual(["deps"]);
    expect(scan(threeStages, { sbomScan: { context: "true" } }).context).toBe(true);
  });

  it("takes stage-<index> for an unnamed stage only, as the scan names it", () => {
    const mixed = "FROM scratch AS deps\nCOPY a /a\nFROM scratch\nCOPY b /b\nFROM scratch\nCOPY --from=deps /a /a\nCOPY --from=1 /b /b\n";
    expect(stages(mixed, { sbomScan: { stage: "stage-1" } })).toEqual(["stage-1"]);
    expect(() => scan(mixed, { sbomScan: { stage: "stage-0" } })).toThrow('"stage-0" is no stage');
  });

  it("refuses a scan-stage naming no stage, listing the stages there are", () => {
    const refused = () => scan(threeStages, { sbomScan: { stage: "deps,biuld" } });
    expect(refused).toThrow(DockerfileError);
    expect(refused).toThrow('sbom scan-stage=deps,biuld: "biuld" is no stage; expected true, false or stage names (the stages are: deps, build, final)');
  });
});
