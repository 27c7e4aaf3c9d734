import { describe, expect, it } from "vitest";
import { InvalidPlatformError, formatPlatform, normalizePlatform, parsePlatform, platformKey, type Platform } from "./index.js";

describe("parsePlatform", () => {
  it.each<[string, Platform]>([
    ["linux/amd64", { os: "linux", architecture: "amd64" }],
    ["linux/arm64/v8", { os: "linux", architecture: "arm64", variant: "v8" }],
    ["linux/arm/v7", { os: "linux", architecture: "arm", variant: "v7" }],
    // Not normalised: what the user typed is what a manifest would get.
    ["Linux/x86_64", { os: "Linux", architecture: "x86_64" }],
    ["windows(10.0.20348.2340)/amd64", { os: "windows", architecture: "amd64", "os.version": "10.0.20348.2340" }],
    ["windows()/amd64", { os: "windows", architecture: "amd64" }],
  ])("%s", (value, expected) => {
    expect(parsePlatform(value)).toEqual(expected);
  });

  it.each([
    ["", /: empty;/],
    ["linux", /missing architecture/],
    ["a/b/c/d", /too many components \(4\)/],
    ["/amd64", /empty os/],
    ["linux/", /empty architecture/],
    ["linux/arm64/", /empty variant/],
    ["linux//v8", /empty architecture/],
    ["linux/arm 64", /bad architecture "arm 64"/],
    ["lin ux/amd64", /bad os "lin ux"/],
    ["linux/arm64/v8.2", /bad variant "v8.2"/],
    ["windows(10/amd64", /bad os "windows\(10"/],
  ])("rejects %j", (value, reason) => {
    expect(() => parsePlatform(value)).toThrow(reason);
    try {
      parsePlatform(value);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPlatformError);
      expect((error as InvalidPlatformError).code).toBe("ERR_INVALID_PLATFORM");
      expect((error as InvalidPlatformError).message).toContain('expected "os/architecture[/variant]"');
    }
  });
});

describe("formatPlatform", () => {
  it.each(["linux/amd64", "linux/arm64/v8", "windows(10.0.17763)/amd64", "freebsd/riscv64"])("round-trips %s", (value) => {
    expect(formatPlatform(parsePlatform(value))).toBe(value);
  });

  it("omits an empty variant", () => {
    expect(formatPlatform({ os: "linux", architecture: "amd64", variant: "" })).toBe("linux/amd64");
  });
});

describe("normalizePlatform", () => {
  it.each<[string, string]>([
    ["linux/x86_64", "linux/amd64"],
    ["linux/x86-64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["linux/aarch64", "linux/arm64"],
    ["linux/arm64/v8", "linux/arm64"],
    ["linux/arm64/8", "linux/arm64"],
    ["linux/arm64/v9", "linux/arm64/v9"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/7", "linux/arm/v7"],
    ["linux/arm/6", "linux/arm/v6"],
    ["linux/arm/v5", "linux/arm/v5"],
    ["linux/armhf", "linux/arm/v7"],
    ["linux/armel", "linux/arm/v6"],
    ["linux/i386", "linux/386"],
    ["Linux/AMD64", "linux/amd64"],
    ["macos/arm64", "darwin/arm64"],
    ["linux/riscv64", "linux/riscv64"],
  ])("%s -> %s", (input, expected) => {
    expect(formatPlatform(normalizePlatform(parsePlatform(input)))).toBe(expected);
  });

  it("keeps os.version and features, and copies rather than shares arrays", () => {
    const features = ["win32k"];
    const input: Platform = { os: "Windows", architecture: "x86_64", "os.version": "10.0.20348", "os.features": features };
    const normalized = normalizePlatform(input);
    expect(normalized).toEqual({ os: "windows", architecture: "amd64", "os.version": "10.0.20348", "os.features": ["win32k"] });
    expect(normalized["os.features"]).not.toBe(features);
    expect(input.architecture).toBe("x86_64");
  });
});

describe("platformKey", () => {
  it("gives aliases of one platform the same key", () => {
    const keys = new Set(["linux/arm64/v8", "linux/aarch64", "linux/arm64", "LINUX/ARM64/8"].map((p) => platformKey(parsePlatform(p))));
    expect([...keys]).toEqual(["linux/arm64"]);
  });

  it("keeps distinct platforms apart and leaves os.version out", () => {
    expect(platformKey({ os: "linux", architecture: "arm" })).toBe("linux/arm/v7");
    expect(platformKey({ os: "linux", architecture: "arm", variant: "v6" })).toBe("linux/arm/v6");
    expect(platformKey({ os: "windows", architecture: "amd64", "os.version": "10.0.20348" })).toBe("windows/amd64");
  });
});
