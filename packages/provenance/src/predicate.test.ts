import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { InvalidOptionError, isExpError } from "@exp/errors";
import { describe, expect, it } from "vitest";
import { ProvenanceInputError } from "./errors.js";
import { provenanceAttestation, provenancePredicate } from "./provenance.js";
import { sampleDockerfile, sampleInput } from "./test-support.js";

const v1 = (mode: "min" | "max", input = sampleInput()) => provenancePredicate(input, { mode, version: "v1" }) as any;
const v02 = (mode: "min" | "max", input = sampleInput()) => provenancePredicate(input, { mode, version: "v0.2" }) as any;

describe("mode=min keeps what BuildKit's scrubMinRequest keeps", () => {
  it("drops build args, labels, secrets, SSH ids and everything of mode=max; says the request is then incomplete", () => {
    const p = v1("min", sampleInput({ secrets: [{ id: "npmrc" }], ssh: [{ id: "default" }] }));
    expect(p.buildDefinition.externalParameters.request).toEqual({ frontend: "dockerfile.v0", args: { target: "release" }, locals: [{ name: "context" }, { name: "dockerfile" }] });
    expect(p.buildDefinition.internalParameters).toEqual({ builderPlatform: "linux/amd64" });
    expect(p.runDetails.metadata.buildkit_metadata).toEqual({ vcs: { revision: "4b220de5058abfd01ff619c9d2ff6b09a049bea0", source: "https://github.com/octo/app.git" } });
    expect(p.runDetails.metadata.buildkit_completeness).toEqual({ request: false, resolvedDependencies: false });
  });

  it("says the request is complete when it dropped nothing", () => {
    expect(v1("min", sampleInput({ request: { target: "x" } })).runDetails.metadata.buildkit_completeness.request).toBe(true);
    expect(v02("min", sampleInput({ request: {} })).metadata.completeness).toEqual({ parameters: true, environment: true, materials: false });
  });

  it("keeps the materials, the times, the ids and the config source", () => {
    const p = v02("min");
    expect(p.materials.map((m: any) => m.uri)).toEqual([
      "pkg:docker/alpine@3.20?platform=linux%2Famd64",
      "pkg:docker/golang@1.22-alpine?platform=linux%2Famd64",
      "https://example.com/tool.tar.gz",
    ]);
    expect(p.invocation.configSource).toEqual({ entryPoint: "Dockerfile" });
    expect(p.metadata.buildInvocationID).toBe("yirbp1aosi1vqjmi3z6bc75nb");
    // Go's RFC3339Nano: nanoseconds kept, trailing zeros dropped.
    expect([p.metadata.buildStartedOn, p.metadata.buildFinishedOn]).toEqual(["2024-05-01T12:00:00.466513707Z", "2024-05-01T12:00:02.25Z"]);
    expect(p.builder.id).toBe("https://github.com/octo/app/actions/runs/42/attempts/1");
    expect(p.buildConfig).toBeUndefined();
  });
});

describe("mode=max", () => {
  it("writes build args, labels, secrets (ids, sorted, required if any use is) and SSH ids", () => {
    const p = v1("max", sampleInput({ secrets: [{ id: "b", optional: true }, { id: "a", optional: true }, { id: "b" }], ssh: [{ id: "" }, { id: "default", optional: true }] }));
    const request = p.buildDefinition.externalParameters.request;
    expect(request.args).toEqual({ "build-arg:GO_VERSION": "1.22", "label:org.opencontainers.image.title": "app", target: "release" });
    expect(request.secrets).toEqual([{ id: "a", optional: true }, { id: "b" }]);
    expect(request.ssh).toEqual([{ id: "default" }]);
  });

  it("numbers the steps the result depends on depth first, inputs before the step, and maps cache keys to them", () => {
    const steps = v02("max").buildConfig.llbDefinition;
    expect(steps.map((s: any) => [s.id, s.op.kind, s.inputs ?? []])).toEqual([
      ["step0", "image", []],
      ["step1", "http", []],
      ["step2", "copy", ["step0:0", "step1:0"]],
      ["step3", "image", []],
      ["step4", "mkdir", ["step3:0"]],
      ["step5", "local", []],
      ["step6", "copy", ["step4:0", "step5:0"]],
      ["step7", "copy", ["step2:0", "step6:0"]],
    ]);
    expect(steps.some((s: any) => s.op.name.includes("no step of the result"))).toBe(false);
    const mapping = v02("max").buildConfig.digestMapping;
    for (const step of steps) expect(mapping[step.op.cacheKey]).toBe(step.id);
  });

  it("embeds the Dockerfile, maps steps to its lines and steps to their layer chains", () => {
    const meta = v1("max").runDetails.metadata.buildkit_metadata;
    expect(meta.source.infos).toEqual([{ filename: "Dockerfile", language: "Dockerfile", data: Buffer.from(sampleDockerfile).toString("base64") }]);
    expect(meta.source.locations.step7).toEqual({ locations: [{ ranges: [{ start: { line: 7 }, end: { line: 7 } }] }] });
    expect(Object.keys(meta.source.locations)).toEqual(["step0", "step2", "step3", "step4", "step6", "step7"]);
    expect(meta.layers["step7:0"]).toHaveLength(1);
    expect(meta.layers["step7:0"][0].map((d: any) => d.size)).toEqual([30, 40, 50]);
  });

  it("checks a given Dockerfile digest against the content", () => {
    const good = `sha256:${createHash("sha256").update(sampleDockerfile).digest("hex")}`;
    expect(() => v1("max", sampleInput({ dockerfile: { filename: "Dockerfile", content: sampleDockerfile, digest: good } }))).not.toThrow();
    expect(() => v1("max", sampleInput({ dockerfile: { filename: "Dockerfile", content: sampleDockerfile, digest: `sha256:${"0".repeat(64)}` } }))).toThrow(/dockerfile.digest: does not match/);
  });

  it("writes dockerfileVersion only when given, and only for dockerfile.v0", () => {
    expect(v1("max", sampleInput({ dockerfileVersion: "1.26" })).buildDefinition.internalParameters.dockerfileVersion).toBe("1.26");
    expect(v1("max", sampleInput({ dockerfileVersion: "1.26", frontend: "gateway.v0" })).buildDefinition.internalParameters.dockerfileVersion).toBeUndefined();
  });
});

describe("materials, configSource and completeness as BuildKit computes them", () => {
  it("drops a duplicate image and a name@digest already there by tag; sorts by reference", () => {
    const d = `sha256:${"a".repeat(64)}`;
    const p = v1("min", sampleInput({ materials: { images: [{ ref: "docker.io/library/alpine:latest", digest: d }, { ref: "alpine", digest: d }, { ref: `alpine@${d}`, digest: d }, { ref: "ghcr.io/o/x@" + d }, { ref: "busybox", digest: d, platform: { os: "linux", architecture: "arm", variant: "v7" } }] } }));
    expect(p.buildDefinition.resolvedDependencies).toEqual([
      { uri: "pkg:docker/alpine@latest", digest: { sha256: "a".repeat(64) } },
      { uri: "pkg:docker/busybox@latest?platform=linux%2Farm%2Fv7", digest: { sha256: "a".repeat(64) } },
      { uri: `pkg:docker/ghcr.io/o/x?digest=sha256:${"a".repeat(64)}` },
    ]);
  });

  it("pins a remote Git context by its material, and a build without local sources is complete and hermetic", () => {
    const commit = "4b220de5058abfd01ff619c9d2ff6b09a049bea0";
    const input = sampleInput({ localSources: [], request: { context: "https://github.com/octo/app.git#main" }, materials: { git: [{ url: "https://github.com/octo/app.git", commit }] } });
    const p = v1("min", input);
    expect(p.buildDefinition.externalParameters.configSource).toEqual({ uri: "https://github.com/octo/app.git#main", digest: { sha1: commit }, path: "Dockerfile" });
    expect(p.buildDefinition.externalParameters.request.args).toBeUndefined();
    expect(p.runDetails.metadata.buildkit_hermetic).toBe(true);
    expect(p.runDetails.metadata.buildkit_completeness.resolvedDependencies).toBe(true);
    expect(v02("min", input).metadata["https://mobyproject.org/buildkit@v1#hermetic"]).toBe(true);
    expect(v1("min", { ...input, networkAccess: true }).runDetails.metadata.buildkit_hermetic).toBeUndefined();
  });

  it("drops host-specific options and attest:*, as FilterArgs does", () => {
    const p = v1("max", sampleInput({ request: { platforms: ["linux/amd64", "linux/arm64"], attrs: { "image-resolve-mode": "pull", "attest:provenance": "mode=max", "cgroup-parent": "x", "cache-imports": "[]", "add-hosts": "a=1" }, noCache: ["build"] } }));
    expect(p.buildDefinition.externalParameters.request.args).toEqual({ "add-hosts": "a=1", "no-cache": "build" });
  });
});

describe("typed errors", () => {
  it("an unknown mode or version is an InvalidOptionError; mode=full is max", () => {
    expect(() => provenancePredicate(sampleInput(), { mode: "all" as "max", version: "v1" })).toThrow(InvalidOptionError);
    expect(() => provenancePredicate(sampleInput(), { mode: "max", version: "v1.1" as "v1" })).toThrow(/version/);
    expect(provenancePredicate(sampleInput(), { mode: "full" as "max", version: "v1" })).toEqual(provenancePredicate(sampleInput(), { mode: "max", version: "v1" }));
  });

  const bad: [string, Partial<Parameters<typeof sampleInput>[0]>, string][] = [
    ["an invalid reference", { materials: { images: [{ ref: "Not A Ref" }] } }, "materials.images[0].ref"],
    ["an invalid digest", { materials: { http: [{ url: "https://x", digest: "md5:abc" }] } }, "materials.http[0].digest"],
    ["a short commit", { materials: { git: [{ url: "https://x", commit: "abc" }] } }, "materials.git[0].commit"],
    ["a timestamp with an offset", { startedOn: "2024-05-01T12:00:00+02:00" }, "startedOn"],
    ["no invocation id", { invocationId: "" }, "invocationId"],
    ["a step input no step has", { steps: { result: "a", steps: [{ id: "a", kind: "copy", name: "x", inputs: ["b"] }] } }, "steps.steps[0].inputs[0]"],
    ["a cycle", { steps: { result: "a", steps: [{ id: "a", kind: "copy", name: "x", inputs: ["b"] }, { id: "b", kind: "copy", name: "y", inputs: ["a"] }] } }, "steps.steps[1].inputs[0]"],
    ["a missing result", { steps: { result: "z", steps: [] } }, "steps.result"],
    ["line 0", { steps: { result: "a", steps: [{ id: "a", kind: "image", name: "x", locations: [{ start: { line: 0 }, end: { line: 1 } }] }] } }, "steps.steps[0].locations[0].start.line"],
  ];
  for (const [what, overrides, field] of bad) {
    it(`${what}: ERR_PROVENANCE_INPUT naming ${field}`, () => {
      let error: unknown;
      try {
        provenanceAttestation(sampleInput(overrides), { mode: "max", version: "v1" });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProvenanceInputError);
      expect(isExpError(error, "ERR_PROVENANCE_INPUT")).toBe(true);
      expect((error as ProvenanceInputError).field).toBe(field);
    });
  }
});
