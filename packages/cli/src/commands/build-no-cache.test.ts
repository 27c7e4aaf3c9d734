import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, pluginType, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

const build = (...flags: string[]) => run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store, "--progress", "plain", ...flags]);
const copyLines = (stderr: string) => stderr.split("\n").filter((l) => /^#\d+ \[\d\/2\] COPY /.test(l));

describe("--no-cache", () => {
  it("rebuilds every step of a build that would be all cache hits, and what it builds is cached again", async () => {
    expect((await build()).code).toBe(0);
    const second = await build("--no-cache");
    expect(second.code).toBe(0);
    expect(copyLines(second.stderr)).toHaveLength(2);
    expect(second.stderr).not.toContain("CACHED");
    const third = await build();
    expect(third.code).toBe(0);
    for (const line of copyLines(third.stderr)) expect(third.stderr).toContain(`${line.split(" ")[0]!} CACHED\n`);
  });
});
