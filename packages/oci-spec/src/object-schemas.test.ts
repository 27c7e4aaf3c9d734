import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { fixtureJson } from "./__fixtures__/fixtures.js";
import { InvalidDocumentError, OCI_EMPTY, closedObject, describeIssue, digestOf, openObject, parseDescriptor, parseImageConfig, parseManifest, recordOf } from "./index.js";

// What object-schemas.ts adds to valibot so that documents are read as they were with zod.

function issuesOf(fn: () => unknown): InvalidDocumentError["issues"] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDocumentError);
    return (error as InvalidDocumentError).issues;
  }
  throw new Error("expected an InvalidDocumentError, but the call succeeded");
}

describe("JSON objects", () => {
  it("are never arrays, even where every key is optional", () => {
    const config = fixtureJson("oci-config.json");
    expect(issuesOf(() => parseImageConfig({ ...config, config: [] }))).toEqual([{ path: "config", message: "expected object, got an array" }]);
    expect(issuesOf(() => parseManifest({ ...fixtureJson("oci-manifest.json"), annotations: [] }))).toEqual([{ path: "annotations", message: "expected object, got an array" }]);
    expect(v.safeParse(recordOf(v.string()), []).success).toBe(false);
    expect(v.safeParse(openObject({}), [1]).success).toBe(false);
  });

  it("say what belongs under an absent key", () => {
    const schema = closedObject({ layers: v.array(v.string()), digest: v.literal(2) });
    expect(v.safeParse(schema, {}, { message: describeIssue }).issues?.map((issue) => issue.message)).toEqual(["missing, expected array", "missing, expected 2"]);
  });

  it("keep and check keys named constructor and prototype, in their place", () => {
    const input = fixtureJson("oci-config.json");
    const container = input["config"] as Record<string, unknown>;
    const labels = { a: "1", constructor: "c", prototype: "p", z: "2" };
    const config = parseImageConfig({ ...input, prototype: { kept: true }, config: { ...container, Labels: labels } });
    expect(Object.keys(config.config?.Labels ?? {})).toEqual(["a", "constructor", "prototype", "z"]);
    expect(config["prototype"]).toEqual({ kept: true });
    expect(Object.keys(config).at(-1)).toBe("prototype");
    expect(issuesOf(() => parseImageConfig({ ...input, config: { ...container, Labels: { a: 1, constructor: 2, z: "3" } } }))).toEqual([
      { path: "config.Labels.a", message: "expected string, got 1" },
      { path: "config.Labels.constructor", message: "expected string, got 2" },
    ]);
  });

  it("drop __proto__, which would otherwise replace the result's prototype", () => {
    const parsed = parseImageConfig(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"__proto__":{"polluted":true}}`);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed, "__proto__")).toBe(false);
  });
});

describe("embedded data", () => {
  it("of several MB that is not base64 is an issue, not a stack overflow", () => {
    const data = `${"QUJD".repeat(2_500_000)}!!!!`;
    const issues = issuesOf(() => parseDescriptor({ mediaType: OCI_EMPTY, digest: digestOf("x"), size: 1, data }));
    expect(issues[0]?.path).toBe("data");
    expect(issues[0]?.message).toMatch(/^expected base64, got "QUJD/);
  });
});
