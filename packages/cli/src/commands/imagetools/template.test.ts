import { describe, expect, it } from "vitest";
import { goDecode } from "./go-json.js";
import { descriptorType, imageType, mapOf, provenanceStubType, sbomStubType, templateInputType, type TypedValue } from "./go-types.js";
import { TemplateExecError, executeTemplate } from "./template-exec.js";
import { TemplateSyntaxError, parseTemplate } from "./template-parse.js";

const digest = `sha256:${"a".repeat(64)}`;
const config = goDecode(imageType, { architecture: "amd64", os: "linux", config: { Env: ["A=1"] }, rootfs: { type: "layers", diff_ids: [] } }, "config");

/** buildx's tplInput for one platform, with a provenance whose predicate has a number and a nested key. */
function single(): TypedValue {
  return {
    type: templateInputType(false),
    value: {
      Name: "registry.example/app:1",
      Manifest: { type: descriptorType, value: goDecode(descriptorType, { mediaType: "application/vnd.oci.image.manifest.v1+json", digest, size: 7 }, "d") },
      Image: config,
      Provenance: async () => ({ type: provenanceStubType, value: { SLSA: { buildType: "b", n: 1234567, nested: { k: "<v>" } } } }),
      SBOM: async () => ({ type: sbomStubType, value: { SPDX: null, AdditionalSPDXs: null } }),
    },
  };
}

/** buildx's tplInputs: `.Image` a map by platform. */
function multi(): TypedValue {
  return {
    type: templateInputType(true),
    value: {
      Name: "r/app:1",
      Manifest: null,
      Image: new Map([["linux/amd64", config]]),
      Provenance: async () => ({ type: mapOf(provenanceStubType), value: new Map([["linux/amd64", { SLSA: { a: 1 } }]]) }),
      SBOM: async () => ({ type: mapOf(sbomStubType), value: new Map() }),
    },
  };
}

const run = async (format: string, input = single()) => executeTemplate(parseTemplate(format), input);

describe("--format: the Go template subset", () => {
  it("prints fields and text around them, and json of any value (Go's MarshalIndent)", async () => {
    expect(await run("{{.Name}} {{.Manifest.Digest}} {{.Manifest.Size}}\n")).toBe(`registry.example/app:1 ${digest} 7\n`);
    expect(await run("{{json .Provenance}}")).toBe('{\n  "SLSA": {\n    "buildType": "b",\n    "n": 1234567,\n    "nested": {\n      "k": "\\u003cv\\u003e"\n    }\n  }\n}');
    expect(await run("{{json .SBOM}}")).toBe("{}");
    expect(await run("{{ .Image | json }}")).toBe(await run("{{json .Image}}"));
    expect(JSON.parse(await run("{{json .Image}}"))).toEqual({ architecture: "amd64", os: "linux", config: { Env: ["A=1"] }, rootfs: { type: "layers", diff_ids: [] } });
  });

  it("walks interface{} values by key and prints their scalars as Go does", async () => {
    expect(await run("{{.Provenance.SLSA.buildType}}/{{.Provenance.SLSA.n}}/{{.Provenance.SLSA.missing}}")).toBe("b/1.234567e+06/<no value>");
    expect(await run("{{index .Image.Config.Env 0}}")).toBe("A=1");
  });

  it("a map by platform, reached with index, and trimming markers", async () => {
    expect(await run('{{- json (index .Image "linux/amd64").Architecture -}}\n', multi())).toBe('"amd64"');
    expect(await run('{{(index .Image "linux/amd64").OS}} {{index .Image "linux/arm64"}}', multi())).toBe("linux <nil>");
    expect(await run("{{json .Provenance}}", multi())).toBe('{\n  "linux/amd64": {\n    "SLSA": {\n      "a": 1\n    }\n  }\n}');
    expect(await run("{{json .SBOM}}{{/* none */}}", multi())).toBe("{}");
  });

  it("refuses what it does not implement before running, naming what is supported", () => {
    for (const format of ["{{if .Name}}x{{end}}", "{{range .Manifest.Manifests}}{{end}}", "{{len .Name}}", "{{$x := .Name}}", "{{.Name", "{{printf \"%s\" .Name}}", "{{json}}"]) {
      expect(() => parseTemplate(format), format).toThrow(TemplateSyntaxError);
    }
    expect(() => parseTemplate("{{len .Name}}")).toThrow(/function "len" is not supported \(only json and index\); supported: text around actions/);
  });

  it("fails on a field that does not exist, and on printing a struct or list without json", async () => {
    await expect(run("{{.Nope}}")).rejects.toThrow(TemplateExecError);
    await expect(run("{{.Nope}}")).rejects.toThrow(/can't evaluate field Nope in type imagetools.tplInput \(it has Name, Manifest, Image, SBOM, Provenance\)/);
    await expect(run("{{.Image}}")).rejects.toThrow(/use \{\{json …\}\}/);
    await expect(run("{{.Manifest.Digest}}", multi())).rejects.toThrow(/nil value evaluating \.Manifest/);
  });
});
