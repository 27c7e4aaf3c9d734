import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { fixture, pluginType, run, type Fixture } from "../../test-helpers.js";

let fx: Fixture;
let builds: string[];

/** Two successful builds and one failed one, through the CLI. */
beforeEach(async () => {
  fx = await fixture();
  builds = [];
  for (const name of ["a", "b"]) {
    const meta = join(fx.dir, `${name}.json`);
    const result = await run(["build", fx.context, "-t", `r.example/${name}:1`, "-o", `type=${pluginType},dest=${join(fx.dir, `${name}-report.json`)}`, "--root", fx.store, "--metadata-file", meta]);
    expect(result.code).toBe(0);
    builds.push(JSON.parse(await readFile(meta, "utf8"))["exp.build.ref"]);
  }
  const failed = await run(["build", fx.context, "-f", join(fx.dir, "nope.Dockerfile"), "-o", `type=${pluginType},dest=x`, "--root", fx.store]);
  expect(failed.code).toBe(1);
});
afterEach(() => fx.cleanup());

describe("exp history", () => {
  it("ls lists records newest first with status, names and results", async () => {
    const result = await run(["history", "ls", "--root", fx.store]);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED\s+DURATION\s+RESULTS$/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^[a-z0-9]{25}\s+-\s+Error: cannot read the Dockerfile: .*\.\.\.\s/);
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual([builds[1], builds[0]]);
    expect(rows[1]).toMatch(/r\.example\/b:1\s+Completed\s+.*exp\.layer-report sha256:[0-9a-f]{12}$/);
    // The failed build never reached the export: exp records it (no Dockerfile, so nothing was read).
    const json = JSON.parse((await run(["history", "ls", "--root", fx.store, "--format", "json"])).stdout);
    expect(json).toHaveLength(3);
    expect(json[0].error).toMatch(/nope\.Dockerfile/);
    expect(json[1].results[0]).toMatchObject({ mediaType: "application/vnd.exp.layer-report.v1+json" });
  });

  it("inspect shows a record by id or unique prefix; rm removes it", async () => {
    const inspect = await run(["history", "inspect", builds[0]!.slice(0, 10), "--root", fx.store]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain(`ID:         ${builds[0]}`);
    expect(inspect.stdout).toMatch(/Status:     Completed/);
    expect(inspect.stdout).toMatch(/exp\.io\/names=r\.example\/a:1/);
    expect(inspect.stdout).toMatch(/application\/vnd\.exp\.layer-report\.v1\+json  sha256:[0-9a-f]{64}  \d+B/);
    const json = JSON.parse((await run(["history", "inspect", builds[1]!, "--root", fx.store, "--format", "json"])).stdout);
    expect(json.id).toBe(builds[1]);

    const missing = await run(["history", "inspect", "zzzz-no-such-build", "--root", fx.store]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ERROR: no build record "zzzz-no-such-build"/);

    const rm = await run(["history", "rm", builds[0]!, "--root", fx.store]);
    expect(rm).toMatchObject({ code: 0, stdout: `${builds[0]}\n` });
    expect(await (await openContentStore(fx.store)).history.get(builds[0]!)).toBeUndefined();
  });

  it("rm resolves every id before removing any, so one unknown id removes nothing", async () => {
    const rm = await run(["history", "rm", builds[0]!, "zzzz-no-such-build", "--root", fx.store]);
    expect(rm).toMatchObject({ code: 1, stdout: "" });
    expect(rm.stderr).toBe(`ERROR: no build record "zzzz-no-such-build" in the store at ${fx.store} (see exp history ls)\n`);
    expect(await (await openContentStore(fx.store)).history.get(builds[0]!)).toBeDefined();
  });
});
