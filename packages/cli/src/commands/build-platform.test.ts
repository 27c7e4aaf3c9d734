import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostPlatform, platformKey } from "@exp/oci-spec";
import { fixture, pluginType, run, type Fixture } from "../test-helpers.js";

// Issue 19, point 8: --platform is read as buildx reads it (containerd's platforms.Parse), and an
// unknown OS or architecture is a usage error naming the closest known one.

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

async function builtPlatforms(platformFlag: string): Promise<string[]> {
  const dest = join(fx.dir, "report.json");
  const result = await run(["build", fx.context, "-o", `type=${pluginType},dest=${dest}`, "--root", fx.store, "--platform", platformFlag]);
  expect(result.stderr).not.toContain("ERROR");
  expect(result.code).toBe(0);
  const written = JSON.parse(await readFile(dest, "utf8")) as { platforms: Array<{ platform: { os: string; architecture: string; variant?: string } }> };
  return written.platforms.map((p) => platformKey(p.platform));
}

describe("exp build --platform", () => {
  it("takes an architecture alone as that architecture on this host's OS, as buildx does", async () => {
    expect(await builtPlatforms("amd64,aarch64")).toEqual([`${hostPlatform().os}/amd64`, `${hostPlatform().os}/arm64`]);
  });

  it("takes local as this host's platform", async () => {
    expect(await builtPlatforms("local")).toEqual([platformKey(hostPlatform())]);
  });

  it("normalises aliases, so two spellings of one platform build it once", async () => {
    expect(await builtPlatforms("linux/x86_64,linux/amd64,linux/armhf")).toEqual(["linux/amd64", "linux/arm/v7"]);
  });

  it.each([
    ["linux/armm64", /argument 'linux\/armm64' is invalid\. invalid platform "linux\/armm64": unknown architecture "armm64" \(did you mean "linux\/arm64"\?\); expected one of the architectures 386, amd64, /],
    ["linx/amd64", /invalid platform "linx\/amd64": unknown operating system "linx" \(did you mean "linux\/amd64"\?\); expected one of the operating systems aix, /],
    ["amd46", /invalid platform "amd46": "amd46" is neither an operating system nor an architecture \(did you mean "amd64"\?\)/],
  ])("refuses %s with exit 2, naming the closest known platform", async (value, message) => {
    const result = await run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store, "--platform", value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("ERROR:");
  });
});

describe("exp build without --platform", () => {
  it("builds for linux on this machine's CPU, as buildx builds for its worker's platform", async () => {
    const dest = join(fx.dir, "report.json");
    const result = await run(["build", fx.context, "-o", `type=${pluginType},dest=${dest}`, "--root", fx.store]);
    expect(result.code).toBe(0);
    const written = JSON.parse(await readFile(dest, "utf8")) as { platforms: Array<{ platform: { os: string; architecture: string; variant?: string } }> };
    expect(written.platforms.map((p) => platformKey(p.platform))).toEqual([platformKey({ ...hostPlatform(), os: "linux" })]);
  });
});
