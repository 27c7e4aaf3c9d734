import { describe, expect, it } from "vitest";
import { SpecError, parseCsvSpec, splitCsvFields } from "./csv.js";
import { parseCacheSpec, parseOutputSpec, planOutputs } from "./output.js";

describe("splitCsvFields (buildx's csv rules)", () => {
  it.each([
    ["type=image,name=a", ["type=image", "name=a"]],
    ['type=image,"name=a:1,a:2"', ["type=image", "name=a:1,a:2"]],
    ['"name=say ""hi""",x=1', ['name=say "hi"', "x=1"]],
    ["a=1,,b=2", ["a=1", "", "b=2"]],
    ["a=1,", ["a=1", ""]],
    ['""', [""]],
  ])("%s", (input, expected) => {
    expect(splitCsvFields(input)).toEqual(expected);
  });

  it.each([
    ['name="a,b"', /bare "/],
    ['"name=a', /unterminated/],
    ['"name=a"x,b=1', /extraneous/],
  ])("rejects %s", (input, message) => {
    expect(() => splitCsvFields(input)).toThrow(SpecError);
    expect(() => splitCsvFields(input)).toThrow(message);
  });
});

describe("spec errors never repeat a secret attribute", () => {
  const secret = "s3cr3t-KEY-abc/+x";
  it.each([
    [`type=s3,bucket=b,secret_access_key=${secret},"bad`, /unterminated/],
    [`type=s3,secret_access_key=${secret},session_token=${secret},bad"`, /bare "/],
    [`type=s3,secret_access_key=${secret},oops`, /invalid field "oops"/],
    [`bucket=b,secret_access_key=${secret},session_token=${secret}`, /type is required/],
  ])("%s", (spec, message) => {
    const error = (() => {
      try {
        parseCacheSpec(spec, "--cache-from");
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected a SpecError");
    })();
    expect(error).toBeInstanceOf(SpecError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("s3cr3t");
    // The rest of the spec is still there to point at the mistake.
    expect(error.message).toContain("secret_access_key=****");
  });
});

describe("parseCsvSpec", () => {
  it("splits each field at its first =, so values may hold =", () => {
    expect(parseCsvSpec("type=local,dest=a=b,annotation.x=k=v")).toEqual({ type: "local", dest: "a=b", "annotation.x": "k=v" });
  });

  it("trims and lower-cases keys, keeps values verbatim, and keeps the last of a repeated key", () => {
    expect(parseCsvSpec(" Type=image,NAME= a ,name=b")).toEqual({ type: "image", name: "b" });
    expect(parseCsvSpec("type=image,push=")).toEqual({ type: "image", push: "" });
  });

  it("rejects a field without =, an empty key and an empty field", () => {
    expect(() => parseCsvSpec("type=image,push")).toThrow(/invalid field "push"/);
    expect(() => parseCsvSpec("type=image,=x")).toThrow(/empty key/);
    expect(() => parseCsvSpec("type=image,,push=true")).toThrow(/invalid field ""/);
  });

  it("stores __proto__ as a plain key", () => {
    const attrs = parseCsvSpec("type=x,__proto__=y");
    expect(Object.keys(attrs)).toEqual(["type", "__proto__"]);
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
  });
});

describe("parseOutputSpec", () => {
  it("reads type and attributes", () => {
    expect(parseOutputSpec("type=image,name=a,push=true")).toEqual({ type: "image", attrs: { name: "a", push: "true" } });
    expect(parseOutputSpec('type=image,"name=r/a:1,r/a:2"')).toEqual({ type: "image", attrs: { name: "r/a:1,r/a:2" } });
  });

  it("takes a bare path as type=local and - as type=tar to stdout", () => {
    expect(parseOutputSpec("out/dir")).toEqual({ type: "local", attrs: { dest: "out/dir" } });
    expect(parseOutputSpec("/abs path")).toEqual({ type: "local", attrs: { dest: "/abs path" } });
    expect(parseOutputSpec("-")).toEqual({ type: "tar", attrs: { dest: "-" } });
  });

  it("keeps type=registry (the image exporter that pushes and keeps nothing locally)", () => {
    expect(parseOutputSpec("type=registry,name=r/a")).toEqual({ type: "registry", attrs: { name: "r/a" } });
  });

  it("keeps package types as they are", () => {
    expect(parseOutputSpec("type=@acme/exp-exporter-s3-tar,bucket=b")).toEqual({ type: "@acme/exp-exporter-s3-tar", attrs: { bucket: "b" } });
  });

  it("requires a type", () => {
    expect(() => parseOutputSpec("dest=out")).toThrow(/type is required/);
    expect(() => parseOutputSpec("type=,dest=out")).toThrow(/type is required/);
    expect(() => parseOutputSpec("")).toThrow(/empty/);
  });
});

describe("parseCacheSpec", () => {
  it("reads CSV, and a bare reference is type=registry,ref=<it>", () => {
    expect(parseCacheSpec("type=registry,ref=r/a:cache,mode=max")).toEqual({ type: "registry", attrs: { ref: "r/a:cache", mode: "max" } });
    expect(parseCacheSpec("r/a:cache", "--cache-from")).toEqual({ type: "registry", attrs: { ref: "r/a:cache" } });
    expect(() => parseCacheSpec("ref=r/a", "--cache-from")).toThrow(/type is required for --cache-from/);
  });
});

describe("planOutputs (-o, -t and --push together)", () => {
  const image = (attrs: Record<string, string> = {}) => ({ type: "image", attrs });

  it("defaults to a store-only image named by -t", () => {
    expect(planOutputs({ outputs: [], tags: ["a:1", "a:2"], push: false })).toEqual([image({ name: "a:1,a:2" })]);
    expect(planOutputs({ outputs: [], tags: [], push: false })).toEqual([image()]);
  });

  it("--push adds a registry output (buildx: --output=type=registry), with the -t names", () => {
    expect(planOutputs({ outputs: [], tags: ["r/a:1"], push: true })).toEqual([{ type: "registry", attrs: { name: "r/a:1" } }]);
  });

  it("--push sets push on existing image outputs instead of adding one", () => {
    const outputs = [image({ name: "r/x" }), { type: "local", attrs: { dest: "/o" } }];
    expect(planOutputs({ outputs, tags: ["r/a"], push: true })).toEqual([image({ name: "r/x", push: "true" }), { type: "local", attrs: { dest: "/o" } }]);
  });

  it("--push next to a non-image output adds a registry output", () => {
    const planned = planOutputs({ outputs: [{ type: "local", attrs: { dest: "/o" } }], tags: ["r/a"], push: true });
    expect(planned).toEqual([{ type: "local", attrs: { dest: "/o" } }, { type: "registry", attrs: { name: "r/a" } }]);
  });

  it("-t fills name= of image, oci and docker outputs that have none, and of nothing else", () => {
    const planned = planOutputs({
      outputs: [{ type: "oci", attrs: { dest: "/a.tar" } }, { type: "docker", attrs: { name: "own" } }, { type: "tar", attrs: { dest: "-" } }, { type: "@acme/x", attrs: {} }],
      tags: ["t:1"],
      push: false,
    });
    expect(planned.map((o) => o.attrs.name)).toEqual(["t:1", "own", undefined, undefined]);
  });

  it("does not modify its input", () => {
    const outputs = [image()];
    planOutputs({ outputs, tags: ["a"], push: true });
    expect(outputs).toEqual([image()]);
  });
});
