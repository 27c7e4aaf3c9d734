import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, run, type Fixture } from "../test-helpers.js";

// Issue 17 point 1: a context or Dockerfile that is there but cannot be stat'ed (a symlink loop)
// is reported as what it is, not as "does not exist".
let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

describe("exp build's context and Dockerfile checks", () => {
  it("a missing context still says it does not exist", async () => {
    const result = await run(["build", join(fx.dir, "nowhere"), "--root", fx.store]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`the build context ${join(fx.dir, "nowhere")} does not exist`);
  });

  it("a context that is a symlink loop: ELOOP, naming it", async () => {
    const loop = join(fx.dir, "loop");
    await symlink("loop", loop);
    const result = await run(["build", loop, "--root", fx.store]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`cannot stat ${loop}: ELOOP (it is a symbolic link loop); expected the build context directory`);
    expect(result.stderr).not.toContain("does not exist");
  });

  it("a Dockerfile that is a symlink loop: ELOOP, naming it", async () => {
    const loop = join(fx.dir, "Dockerfile.loop");
    await symlink("Dockerfile.loop", loop);
    const result = await run(["build", fx.context, "-f", loop, "--root", fx.store]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`cannot stat ${loop}: ELOOP`);
    expect(result.stderr).not.toContain("does not exist");
  });
});
