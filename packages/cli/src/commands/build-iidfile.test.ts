import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

// Reproducible: the config holds the creation time, which SOURCE_DATE_EPOCH pins.
const env = () => ({ HOME: fx.dir, SOURCE_DATE_EPOCH: "1700000000" });

describe("--iidfile", () => {
  it("writes the image id that -q prints, without a newline, as buildx", async () => {
    const file = join(fx.dir, "out", "iid");
    const built = await run(["build", fx.context, "-t", "app:1", "--root", fx.store, "--iidfile", file], { env: env() });
    expect(built.code).toBe(0);
    const quiet = await run(["build", "-q", fx.context, "-t", "app:1", "--root", fx.store], { env: env() });
    expect(await readFile(file, "utf8")).toBe(quiet.stdout.trimEnd());
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });

  it("removes a stale file before the build, so a failed build leaves none", async () => {
    const file = join(fx.dir, "iid");
    await writeFile(file, "sha256:stale");
    await writeFile(join(fx.context, "Dockerfile"), "FROM scratch\nCOPY missing /\n");
    const failed = await run(["build", fx.context, "-t", "app:1", "--root", fx.store, "--iidfile", file], { env: env() });
    expect(failed.code).toBe(1);
    await expect(readFile(file, "utf8")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
