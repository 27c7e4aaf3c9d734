import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

// Reproducible: the config holds the creation time, which SOURCE_DATE_EPOCH pins.
const env = (extra: Record<string, string> = {}) => ({ HOME: fx.dir, SOURCE_DATE_EPOCH: "1700000000", ...extra });
const build = (flags: string[], extra: Record<string, string> = {}) => run(["build", fx.context, "-t", "app:1", "--root", fx.store, ...flags], { env: env(extra) });

describe("exp build --progress quiet|none (buildx's toDisplayMode)", () => {
  it("quiet is -q: no progress, the image id on stdout", async () => {
    const q = await build(["-q"]);
    const quiet = await build(["--progress=quiet"]);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(quiet.stdout).toBe(q.stdout);
    expect(quiet.stderr).toBe("");
  });

  it("none shows nothing at all, and still builds", async () => {
    const iidfile = join(fx.dir, "iid");
    const none = await build(["--progress", "none", "--iidfile", iidfile]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
    expect(none.stderr).toBe("");
    expect(await readFile(iidfile, "utf8")).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("plain shows the steps and the summary, unlike none", async () => {
    const plain = await build(["--progress=plain"]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/COPY app \/app/);
    expect(plain.stdout).toBe("");
  });

  it.each([["plain"], ["tty"], ["rawjson"]])("-q with --progress=%s is a usage error, as in buildx", async (mode) => {
    const result = await build(["-q", `--progress=${mode}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--progress=${mode} and -q cannot be used together`);
    expect(result.stdout).toBe("");
  });

  it.each([["auto"], ["none"], ["quiet"]])("-q with --progress=%s prints the id", async (mode) => {
    const result = await build(["-q", `--progress=${mode}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });

  it("a mode from BUILDKIT_PROGRESS does not conflict with -q", async () => {
    const result = await build(["-q"], { BUILDKIT_PROGRESS: "plain" });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(result.stderr).toBe("");
  });

  it.each([["none"], ["quiet"]])("BUILDKIT_PROGRESS=%s hides the progress but prints no id (buildx prints it for -q only)", async (mode) => {
    const result = await build([], { BUILDKIT_PROGRESS: mode });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("");
  });
});
