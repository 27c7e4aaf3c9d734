import { describe, expect, it } from "vitest";
import { InvalidPlatformError, formatPlatform, hostPlatform, normalizePlatform, parsePlatform, platformKey, type Platform } from "./index.js";

const amd64Host: Platform = { os: "linux", architecture: "amd64" };
const armHost: Platform = { os: "freebsd", architecture: "arm", variant: "v6" };

describe("parsePlatform", () => {
  it.each<[string, Platform]>([
    ["linux/amd64", { os: "linux", architecture: "amd64" }],
    ["linux/arm64/v8", { os: "linux", architecture: "arm64", variant: "v8" }],
    ["linux/arm/v7", { os: "linux", architecture: "arm", variant: "v7" }],
    ["windows(10.0.20348.2340)/amd64", { os: "windows", architecture: "amd64", "os.version": "10.0.20348.2340" }],
    ["windows()/amd64", { os: "windows", architecture: "amd64" }],
    // Normalised as containerd's Parse does: the manifest gets the canonical names.
    ["Linux/x86_64", { os: "linux", architecture: "amd64" }],
    ["linux/x86-64", { os: "linux", architecture: "amd64" }],
    ["linux/aarch64", { os: "linux", architecture: "arm64" }],
    ["linux/armhf", { os: "linux", architecture: "arm" }],
    ["linux/armel", { os: "linux", architecture: "arm", variant: "v6" }],
    ["linux/i386", { os: "linux", architecture: "386" }],
    ["linux/i686", { os: "linux", architecture: "386" }],
    ["macos/arm64", { os: "darwin", architecture: "arm64" }],
    // Parse's own spellings: os/arm (and armhf) has no variant, an explicit arm64 variant 8 stays v8.
    ["linux/arm", { os: "linux", architecture: "arm" }],
    ["linux/arm64/8", { os: "linux", architecture: "arm64", variant: "v8" }],
    ["linux/arm64/v9.0", { os: "linux", architecture: "arm64", variant: "v9" }],
    ["linux/arm64/v8.2", { os: "linux", architecture: "arm64", variant: "v8.2" }],
    ["linux/riscv64", { os: "linux", architecture: "riscv64" }],
  ])("%s", (value, expected) => {
    expect(parsePlatform(value, { host: armHost })).toEqual(expected);
  });

  it.each<[string, Platform, Platform]>([
    // buildx accepts an architecture alone: that architecture on the host's OS.
    ["amd64", amd64Host, { os: "linux", architecture: "amd64" }],
    ["arm64", armHost, { os: "freebsd", architecture: "arm64" }],
    ["aarch64", amd64Host, { os: "linux", architecture: "arm64" }],
    ["armhf", amd64Host, { os: "linux", architecture: "arm" }],
    ["armel", amd64Host, { os: "linux", architecture: "arm", variant: "v6" }],
    // An OS alone: that OS on the host's architecture (32-bit ARM with its variant, unless the implied v7).
    ["linux", amd64Host, { os: "linux", architecture: "amd64" }],
    ["windows", armHost, { os: "windows", architecture: "arm", variant: "v6" }],
    ["linux", { os: "linux", architecture: "arm", variant: "v7" }, { os: "linux", architecture: "arm" }],
    ["linux", { os: "linux", architecture: "arm64", variant: "v8" }, { os: "linux", architecture: "arm64" }],
    // local: the host platform as it is.
    ["local", armHost, armHost],
    ["local", amd64Host, amd64Host],
  ])("%s on %j", (value, host, expected) => {
    expect(parsePlatform(value, { host })).toEqual(expected);
  });

  it("takes the host from this process by default", () => {
    expect(parsePlatform("local")).toEqual(hostPlatform());
    expect(parsePlatform("riscv64")).toEqual({ os: hostPlatform().os, architecture: "riscv64" });
  });

  it.each([
    ["", /: empty;/],
    ["a/b/c/d", /too many components \(4\)/],
    ["/amd64", /empty os/],
    ["linux/", /empty architecture/],
    ["linux/arm64/", /empty variant/],
    ["linux//v8", /empty architecture/],
    ["linux/arm 64", /bad architecture "arm 64"/],
    ["lin ux/amd64", /bad os "lin ux"/],
    ["linux/arm64/v8+2", /bad variant "v8\+2"/],
    ["windows(10/amd64", /bad os "windows\(10"/],
    ["linux/*", /wildcards are not supported/],
  ])("rejects %j", (value, reason) => {
    const error = failure(() => parsePlatform(value));
    expect(error.message).toMatch(reason);
    expect(error.message).toContain('expected "os/architecture[/variant]"');
  });

  it.each([
    ["linux/armm64", 'invalid platform "linux/armm64": unknown architecture "armm64" (did you mean "linux/arm64"?); expected one of the architectures 386, amd64, amd64p32, arm, armbe, arm64, arm64be, loong64, mips, mipsle, mips64, mips64le, mips64p32, mips64p32le, ppc, ppc64, ppc64le, riscv, riscv64, s390, s390x, sparc, sparc64, wasm'],
    ["linux/x86_46/v2", 'invalid platform "linux/x86_46/v2": unknown architecture "x86_46" (did you mean "linux/x86_64/v2"?); expected one of the architectures 386, amd64,'],
    ["linx/amd64", 'invalid platform "linx/amd64": unknown operating system "linx" (did you mean "linux/amd64"?); expected one of the operating systems aix, android, darwin, dragonfly, freebsd, hurd, illumos, ios, js, linux, nacl, netbsd, openbsd, plan9, solaris, windows, zos'],
    ["linux/sparkle", 'invalid platform "linux/sparkle": unknown architecture "sparkle"; expected one of the architectures 386,'],
    ["linux/arm64.2", 'invalid platform "linux/arm64.2": unknown architecture "arm64.2" (did you mean "linux/arm64"?)'],
    ["amd46", 'invalid platform "amd46": "amd46" is neither an operating system nor an architecture (did you mean "amd64"?); expected "os/architecture[/variant]", e.g. "linux/arm64/v8", an architecture alone for this host\'s operating system ("arm64"), an operating system alone ("linux"), or "local" for this host'],
    ["lcoal", 'invalid platform "lcoal": "lcoal" is neither an operating system nor an architecture (did you mean "local"?)'],
    ["amd64(10.0)", 'invalid platform "amd64(10.0)": "amd64(10.0)" is neither an operating system nor an architecture'],
  ])("refuses an unknown name in %j, with the closest known one", (value, message) => {
    const error = failure(() => parsePlatform(value, { host: amd64Host }));
    expect(error.message.startsWith(message), error.message).toBe(true);
  });

  it("names the suggestion on the error", () => {
    expect(failure(() => parsePlatform("linux/armm64")).suggestion).toBe("linux/arm64");
    expect(failure(() => parsePlatform("linux/sparkle")).suggestion).toBeUndefined();
  });
});

function failure(run: () => unknown): InvalidPlatformError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPlatformError);
    expect((error as InvalidPlatformError).code).toBe("ERR_INVALID_PLATFORM");
    return error as InvalidPlatformError;
  }
  throw new Error("expected an InvalidPlatformError");
}

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
    ["linux/arm64/v8.0", "linux/arm64"],
    ["linux/arm64/9.0", "linux/arm64/v9"],
    ["linux/i686", "linux/386"],
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
