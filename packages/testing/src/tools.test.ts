import { afterEach, describe, expect, it, vi } from "vitest";
import { isExpError } from "@exp/errors";
import { MissingToolsError } from "./errors.js";
import { startRegistry } from "./registry.js";
import { startS3 } from "./s3.js";
import { tempDir } from "./temp-dir.js";
import { aptPackageFor, registryAvailable, requireTools, skipUnlessTools, swiftAvailable, SWIFT_TOOLS, toolsAvailable } from "./tools.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A PATH with nothing on it, so every tool looks missing. */
async function emptyPath() {
  const dir = await tempDir("exp-empty-path-");
  vi.stubEnv("PATH", dir.path);
  return dir;
}

describe("toolsAvailable / requireTools", () => {
  it("finds executables on PATH and reports the missing ones", () => {
    expect(toolsAvailable("sh")).toBe(true);
    expect(toolsAvailable("sh", "exp-no-such-tool")).toBe(false);
    expect(requireTools(["sh", "exp-no-such-tool", "exp-other-missing"])).toEqual({ available: false, missing: ["exp-no-such-tool", "exp-other-missing"] });
    expect(requireTools([])).toEqual({ available: true, missing: [] });
  });

  it("follows PATH", async () => {
    const dir = await emptyPath();
    try {
      expect(toolsAvailable("sh")).toBe(false);
      expect(registryAvailable()).toBe(false);
      expect(swiftAvailable()).toBe(false);
    } finally {
      await dir.cleanup();
    }
  });

  it("maps tools to the Debian packages that provide them", () => {
    expect(aptPackageFor("htpasswd")).toBe("apache2-utils");
    expect(aptPackageFor("docker-registry")).toBe("docker-registry");
    expect(aptPackageFor("ctr")).toBe("containerd");
    expect(aptPackageFor("swift-proxy-server")).toBe("swift-proxy");
    expect(aptPackageFor("swift-object-server")).toBe("swift-object");
    expect(aptPackageFor("memcached")).toBe("memcached");
  });
});

describe("skipUnlessTools", () => {
  it("does not skip when every tool is there, in CI or not", () => {
    vi.stubEnv("CI", "true");
    expect(skipUnlessTools("sh")).toBe(false);
    vi.stubEnv("CI", "");
    expect(skipUnlessTools("sh")).toBe(false);
  });

  it("skips when a tool is missing outside CI", () => {
    vi.stubEnv("CI", "");
    expect(skipUnlessTools("sh", "exp-no-such-tool")).toBe(true);
    vi.stubEnv("CI", "false");
    expect(skipUnlessTools("exp-no-such-tool")).toBe(true);
  });

  it("throws in CI, naming the missing tools and the apt packages to install", () => {
    vi.stubEnv("CI", "true");
    let error: unknown;
    try {
      skipUnlessTools("sh", "htpasswd-missing-for-test", "exp-no-such-tool");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingToolsError);
    expect((error as MissingToolsError).missing).toEqual(["htpasswd-missing-for-test", "exp-no-such-tool"]);
    expect((error as Error).message).toMatch(/htpasswd-missing-for-test, exp-no-such-tool/);
    expect((error as Error).message).toContain("apt-get install -y");
  });

  it("names the right package for a real tool", async () => {
    const dir = await emptyPath();
    vi.stubEnv("CI", "true");
    try {
      expect(() => skipUnlessTools("docker-registry", "htpasswd")).toThrow("apt-get install -y docker-registry apache2-utils");
      expect(() => skipUnlessTools(...SWIFT_TOOLS)).toThrow("apt-get install -y swift-proxy swift-object swift-container swift-account memcached");
    } finally {
      await dir.cleanup();
    }
  });
});

describe("startRegistry without the registry binary", () => {
  it("fails with a typed error naming the package", async () => {
    const dir = await emptyPath();
    try {
      const error = await startRegistry({ auth: "basic" }).catch((e: unknown) => e);
      expect(isExpError(error, "ERR_MISSING_TOOLS")).toBe(true);
      expect((error as Error).message).toContain("apt-get install -y docker-registry apache2-utils");
    } finally {
      await dir.cleanup();
    }
  });
});

describe("startS3 without Swift", () => {
  it("fails with a typed error naming the packages", async () => {
    const dir = await emptyPath();
    try {
      const error = await startS3().catch((e: unknown) => e);
      expect(isExpError(error, "ERR_MISSING_TOOLS")).toBe(true);
      expect((error as Error).message).toContain("apt-get install -y swift-proxy swift-object swift-container swift-account memcached");
    } finally {
      await dir.cleanup();
    }
  });
});
