import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, pluginType, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture("FROM scratch AS deps\nCOPY app /app\nFROM scratch AS Final\nCOPY --from=deps /app /app\nCOPY README.txt /\n");
});
afterEach(() => fx.cleanup());

const build = (...flags: string[]) => run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store, "--progress", "plain", ...flags]);

/** Whether each COPY step of a plain progress log was a cache hit, by step name. */
function hits(stderr: string): Record<string, boolean> {
  const steps: Record<string, boolean> = {};
  for (const line of stderr.split("\n")) {
    const match = /^(#\d+) (\[\S+ \d\/\d\] COPY .*)$/.exec(line);
    if (match) steps[match[2]!] = stderr.includes(`${match[1]} CACHED\n`);
  }
  return steps;
}

describe("--no-cache-filter", () => {
  it("rebuilds only the steps of the named stages (case-insensitive); the others stay cache hits", async () => {
    expect((await build()).code).toBe(0);
    const second = await build("--no-cache-filter", "final");
    expect(second.code).toBe(0);
    expect(hits(second.stderr)).toEqual({ "[deps 1/1] COPY app /app": true, "[final 1/2] COPY /app /app": false, "[final 2/2] COPY README.txt /": false });
    const third = await build("--no-cache-filter", "Deps,final");
    expect(third.code).toBe(0);
    expect(Object.values(hits(third.stderr))).toEqual([false, false, false]);
  });

  it("a stage that does not exist is an error naming it and the stages there are", async () => {
    const result = await build("--no-cache-filter", "deps", "--no-cache-filter", "tset");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stage "tset" not found; the stages are: deps, final');
  });
});
