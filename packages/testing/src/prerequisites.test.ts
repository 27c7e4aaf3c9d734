import { afterEach, describe, expect, it, vi } from "vitest";
import { isExpError } from "@exp/errors";
import { expectedSkip } from "./expected-skip.js";
import { inCI, skipUnless, skipUnlessRoot } from "./prerequisites.js";
import { skipUnlessTools } from "./tools.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("inCI: the one meaning of CI for skips", () => {
  it('is CI=true only, as .ci/run sets it', () => {
    vi.stubEnv("CI", "true");
    expect(inCI()).toBe(true);
    for (const value of ["", "false", "0", "1", "yes"]) {
      vi.stubEnv("CI", value);
      expect(inCI(), `CI=${value}`).toBe(false);
    }
  });

  it("is what skipUnlessTools follows too", () => {
    vi.stubEnv("CI", "1");
    expect(skipUnlessTools("exp-no-such-tool")).toBe(true);
    vi.stubEnv("CI", "true");
    expect(() => skipUnlessTools("exp-no-such-tool")).toThrow(/exp-no-such-tool/);
  });
});

describe("skipUnless", () => {
  it("does not skip what is there, in CI or not", () => {
    vi.stubEnv("CI", "true");
    expect(skipUnless(true, "/proc/net/tcp", "run on Linux")).toBe(false);
  });

  it("skips what is missing on a developer machine", () => {
    vi.stubEnv("CI", "");
    expect(skipUnless(false, "/proc/net/tcp", "run on Linux")).toBe(true);
  });

  it("fails under CI=true with a typed error naming what is missing and how to get it", () => {
    vi.stubEnv("CI", "true");
    let error: unknown;
    try {
      skipUnless(false, "/proc/net/tcp", "run on Linux with /proc mounted");
    } catch (e) {
      error = e;
    }
    expect(isExpError(error, "ERR_MISSING_PREREQUISITE")).toBe(true);
    expect((error as Error).message).toBe("CI=true, so tests fail instead of skipping: missing /proc/net/tcp; run on Linux with /proc mounted");
  });

  it("skipUnlessRoot follows the uid", () => {
    vi.stubEnv("CI", "true");
    const root = process.getuid?.() === 0;
    if (root) expect(skipUnlessRoot("mount")).toBe(false);
    else expect(() => skipUnlessRoot("mount")).toThrow("missing root (mount)");
  });
});

describe("expectedSkip", () => {
  it("declares the skip in the test's meta, which the JSON report carries", () => {
    expect(expectedSkip("the soak is opt-in: EXP_SOAK=1")).toEqual({ meta: { expectedSkip: "the soak is opt-in: EXP_SOAK=1" } });
  });

  it("needs a reason", () => {
    expect(() => expectedSkip(" ")).toThrow(/needs a reason/);
  });
});
