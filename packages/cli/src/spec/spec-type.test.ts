import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, pluginType, run, type Fixture } from "../test-helpers.js";
import { SpecError } from "./csv.js";
import { parseCacheSpec, parseOutputSpec } from "./output.js";
import { UnknownTypeError, checkSpecType, type SpecFlag } from "./spec-type.js";

// Issue 19, point 5: `-o type=oic` answered "install it (pnpm add oic)" before "did you mean
// "oci"?", inviting the install of a random npm package, and exited 1 where the README promises 2
// for a bad output spec.

function refusal(type: string, flag: SpecFlag): UnknownTypeError {
  try {
    checkSpecType(type, flag);
  } catch (error) {
    expect(error).toBeInstanceOf(UnknownTypeError);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as UnknownTypeError).code).toBe("ERR_UNKNOWN_TYPE");
    return error as UnknownTypeError;
  }
  throw new Error(`expected ${type} to be refused for ${flag}`);
}

describe("checkSpecType", () => {
  it.each<[string, SpecFlag, string]>([
    ["oic", "-o", 'output type "oic" is not one of image, registry, oci, docker, local, tar (did you mean "oci"?)'],
    ["imgae", "-o", 'output type "imgae" is not one of image, registry, oci, docker, local, tar (did you mean "image"?)'],
    ["OCI", "-o", 'output type "OCI" is not one of image, registry, oci, docker, local, tar (did you mean "oci"?)'],
    ["regsitry", "-o", 'output type "regsitry" is not one of image, registry, oci, docker, local, tar (did you mean "registry"?)'],
    ["locl", "--cache-to", 'cache type "locl" (--cache-to) is not one of registry, local, s3, azblob, gha, inline (did you mean "local"?)'],
    ["s4", "--cache-from", 'cache type "s4" (--cache-from) is not one of registry, local, s3, azblob, gha, inline (did you mean "s3"?)'],
    ["inlin", "--cache-to", 'cache type "inlin" (--cache-to) is not one of registry, local, s3, azblob, gha, inline (did you mean "inline"?)'],
  ])("a typo of a built-in type (%s, %s) gets did-you-mean and no install advice", (type, flag, message) => {
    const error = refusal(type, flag);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain("install");
    expect(error.suggestion).toBeDefined();
  });

  it.each<[string, SpecFlag, string]>([
    ["s3", "-o", 'output type "s3" is a cache type (for --cache-to and --cache-from), not an output type; use one of image, registry, oci, docker, local, tar'],
    ["oci", "--cache-to", 'cache type "oci" (--cache-to) is an output type (for -o), not a cache type; use one of registry, local, s3, azblob, gha, inline'],
    ["cacheonly", "-o", 'output type "cacheonly" is a BuildKit exporter that exp does not implement; use one of image, registry, oci, docker, local, tar'],
    ["Not A Package", "-o", 'output type "Not A Package" is neither one of image, registry, oci, docker, local, tar nor a package name (e.g. @acme/exp-exporter-s3-tar) or module path (./plugin.js)'],
    ["x y", "--cache-to", 'cache type "x y" (--cache-to) is neither one of registry, local, s3, azblob, gha, inline nor a package name (e.g. @acme/exp-cache-x) or module path (./plugin.js)'],
  ])("%s for %s is refused as what it is", (type, flag, message) => {
    expect(refusal(type, flag).message).toBe(message);
  });

  it.each<[string, SpecFlag]>([
    ["oci", "-o"],
    ["registry", "--cache-from"],
    ["gha", "--cache-to"],
    ["azblob", "--cache-from"],
    // Scoped packages and module paths are never typos, however short.
    ["@acme/oic", "-o"],
    ["@acme/exp-cache-s4", "--cache-to"],
    ["./oic.js", "-o"],
    ["/opt/exporters/tar.js", "-o"],
    // An unscoped package name far from every built-in type is a package (the install advice comes when it is missing).
    ["exp-exporter-s3-tar", "-o"],
    ["layer-report", "-o"],
  ])("%s for %s passes", (type, flag) => {
    expect(() => checkSpecType(type, flag)).not.toThrow();
  });
});

describe("the spec parsers check the type", () => {
  it("-o, --cache-to and --cache-from alike", () => {
    expect(() => parseOutputSpec("type=oic,dest=x.tar")).toThrow(UnknownTypeError);
    expect(() => parseCacheSpec("type=locl,dest=x", "--cache-to")).toThrow(/\(--cache-to\) is not one of .* \(did you mean "local"\?\)/);
    expect(() => parseCacheSpec("type=locl,src=x", "--cache-from")).toThrow(/\(--cache-from\) is not one of .* \(did you mean "local"\?\)/);
    expect(parseOutputSpec("type=@acme/exp-exporter-s3-tar,bucket=b")).toEqual({ type: "@acme/exp-exporter-s3-tar", attrs: { bucket: "b" } });
  });
});

describe("exp build with a misspelt type", () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await fixture();
  });
  afterEach(() => fx.cleanup());

  it.each([
    [["-o", "type=oic,dest=out.tar"], /^error: option '-o, --output <spec>' argument 'type=oic,dest=out\.tar' is invalid\. output type "oic" is not one of image, registry, oci, docker, local, tar \(did you mean "oci"\?\)\n$/],
    [["--cache-to", "type=locl,dest=cache"], /^error: option '--cache-to <spec>' argument 'type=locl,dest=cache' is invalid\. cache type "locl" \(--cache-to\) is not one of registry, local, s3, azblob, gha, inline \(did you mean "local"\?\)\n$/],
    [["--cache-from", "type=locl,src=cache"], /^error: option '--cache-from <spec>' argument 'type=locl,src=cache' is invalid\. cache type "locl" \(--cache-from\) is not one of registry, local, s3, azblob, gha, inline \(did you mean "local"\?\)\n$/],
  ])("%j is a usage error (exit 2) that only suggests the built-in type", async (flags, message) => {
    const result = await run(["build", fx.context, ...flags, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("pnpm add");
  });

  it("a scoped package that is not installed keeps its install advice (exit 1)", async () => {
    const result = await run(["build", fx.context, "-o", "type=@acme/oic,dest=x", "--root", fx.store]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ERROR: output type "@acme/oic" needs the package @acme/oic, which is not installed: install it (pnpm add @acme/oic) or use one of image, registry, oci, docker, local, tar\n');
  });
});
