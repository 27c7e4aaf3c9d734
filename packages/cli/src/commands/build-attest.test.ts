import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, pluginType, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

const build = (...flags: string[]) => run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store, ...flags]);

describe("--provenance, --sbom, --attest", () => {
  it("accepts the forms that turn attestations off, as pipelines pass them", async () => {
    const result = await build("--provenance=false", "--sbom", "false", "--attest", "type=provenance,disabled=true", "--attest", "type=sbom,disabled=true");
    expect(result.stderr).not.toContain("error");
    expect(result.code).toBe(0);
  });

  it.each([
    ["--provenance=true"],
    ["--provenance=mode=max"],
    ["--sbom=true"],
    ["--attest", "type=sbom"],
    ["--attest", "type=provenance,disabled=false"],
  ])("refuses a request for an attestation (%s) with a usage error, before building", async (...flags) => {
    const result = await build(...flags);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("attestations (provenance, SBOM) are not supported yet");
    expect(result.stderr).not.toContain("#1");
  });

  it("a spec without a known type is a usage error", async () => {
    expect((await build("--attest", "disabled=true")).code).toBe(2);
    expect((await build("--attest", "type=slsa,disabled=true")).stderr).toContain('unknown attestation type "slsa"');
  });
});
