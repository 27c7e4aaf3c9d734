import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findOnPath, skipUnlessTools } from "@exp/testing";
import { fixtureBytes, fixturePath } from "./__fixtures__/fixtures.js";
import { InvalidDocumentError, parseImageConfig, parseIndex, parseManifest } from "./index.js";

// Cross-checks our schemas against the reference validator from opencontainers/image-tools
// (Debian package `oci-image-tool`, 1.0.0-rc1). Two independent implementations agreeing on the
// fixtures is the evidence that the fixtures, and so our tests, are real OCI documents.
//
// rc1 is older and laxer than image-spec 1.1 in ways the fixtures below avoid:
// - digests are only matched against the generic `alg:encoded` grammar, so "sha256:xyz" passes
//   there (invalid-manifest-bad-digest.json) while we require 64 lowercase hex digits;
// - sizes are not checked for being non-negative;
// - `layers: []` is rejected there but allowed by image-spec 1.1 (artifacts) and by us.

// The suite's one rule (@exp/testing): skipped on a developer machine without the tool, and under
// CI=true a missing tool fails the file as it is collected, naming the package to install.
const skip = skipUnlessTools("oci-image-tool");
const tool = findOnPath("oci-image-tool");

type ToolType = "manifest" | "imageIndex" | "config";

function validateWithTool(type: ToolType, fixture: string): { status: number | null; output: string } {
  if (tool === undefined) throw new Error("oci-image-tool is not on PATH (apt-get install oci-image-tool)");
  const result = spawnSync(tool, ["validate", "--type", type, fixturePath(fixture)], { encoding: "utf8", timeout: 20_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const parsers: Record<ToolType, (input: unknown) => unknown> = {
  manifest: parseManifest,
  imageIndex: parseIndex,
  config: parseImageConfig,
};

describe.skipIf(skip)("agreement with oci-image-tool", () => {
  it.each<[string, ToolType]>([
    ["oci-manifest.json", "manifest"],
    ["oci-attestation-manifest.json", "manifest"],
    ["oci-index.json", "imageIndex"],
    ["oci-config.json", "config"],
  ])("both accept %s as %s", (fixture, type) => {
    const { status, output } = validateWithTool(type, fixture);
    expect(output).toContain("Validation succeeded");
    expect(status, output).toBe(0);
    expect(() => parsers[type](fixtureBytes(fixture))).not.toThrow();
  });

  // Each row names the tool's own complaint, so a rejection for an unrelated reason (file not
  // found, wrong --type) cannot pass for agreement.
  it.each<[string, ToolType, RegExp, RegExp]>([
    ["invalid-manifest-missing-layers.json", "manifest", /layers is required/, /^invalid image manifest: layers: missing/],
    ["invalid-manifest-schema-version.json", "manifest", /schemaVersion: Must be greater than or equal to 2/, /^invalid image manifest: schemaVersion: expected 2, got 1/],
    ["invalid-manifest-size-string.json", "manifest", /cannot unmarshal string into Go struct field .*size/, /^invalid image manifest: layers\[0\]\.size: expected number/],
    ["invalid-index-platform-missing-os.json", "imageIndex", /manifests\.0\.platform: os is required/, /^invalid image index: manifests\[0\]\.platform\.os: missing/],
    ["invalid-config-rootfs-type.json", "config", /rootfs\.type must be one of the following/, /^invalid image config: rootfs\.type: expected "layers"/],
    ["invalid-config-env-string.json", "config", /cannot unmarshal string into Go struct field .*Env/, /^invalid image config: config\.Env: expected array/],
  ])("both reject %s as %s", (fixture, type, toolSays, weSay) => {
    const { status, output } = validateWithTool(type, fixture);
    expect(status, output).not.toBe(0);
    expect(output).toMatch(toolSays);
    expect(() => parsers[type](fixtureBytes(fixture))).toThrow(InvalidDocumentError);
    expect(() => parsers[type](fixtureBytes(fixture))).toThrow(weSay);
  });
});
