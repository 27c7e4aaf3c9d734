import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { fixture, interruptingExporter, pluginType, run, type Fixture } from "../../test-helpers.js";

let fx: Fixture;
let builds: string[];

/**
 * Two successful builds and one failed one, through the CLI. The first has build args (one
 * secret-looking), two platforms, a target, a cache export and import, and a warning (an unused
 * build arg).
 */
beforeEach(async () => {
  fx = await fixture("FROM scratch AS final\nARG VERSION\nCOPY app /app\nCOPY README.txt /\n");
  builds = [];
  for (const [name, extra] of [
    ["a", ["--build-arg", "VERSION=1.2", "--build-arg", "API_TOKEN=tok-s3cr3t-123", "--platform", "linux/amd64,linux/arm64", "--target", "final", "--cache-to", `type=local,dest=${join(fx.dir, "cache")}`, "--cache-from", `type=local,src=${join(fx.dir, "cache")}`]],
    ["b", []],
  ] as const) {
    const meta = join(fx.dir, `${name}.json`);
    const result = await run(["build", fx.context, "-t", `r.example/${name}:1`, "-o", `type=${pluginType},dest=${join(fx.dir, `${name}-report.json`)}`, "--root", fx.store, "--metadata-file", meta, ...extra]);
    expect(result.code, result.stderr).toBe(0);
    builds.push(JSON.parse(await readFile(meta, "utf8"))["exp.build.ref"]);
  }
  const failed = await run(["build", fx.context, "-f", join(fx.dir, "nope.Dockerfile"), "-o", `type=${pluginType},dest=x`, "--root", fx.store]);
  expect(failed.code).toBe(1);
});
afterEach(() => fx.cleanup());

describe("exp history", () => {
  it("ls lists records newest first with status, names and results; the error is not in STATUS", async () => {
    const result = await run(["history", "ls", "--root", fx.store]);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED\s+DURATION\s+RESULTS$/);
    expect(rows).toHaveLength(3);
    // As buildx: Completed, Error or Canceled, and nothing else in the column.
    expect(rows[0]).toMatch(/^[a-z0-9]{25}\s+-\s+Error\s+\d+ seconds? ago\s+\d+\.\ds\s+-$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual([builds[1], builds[0]]);
    expect(rows[1]).toMatch(/r\.example\/b:1\s+Completed\s+.*exp\.layer-report sha256:[0-9a-f]{12}$/);
    // The failed build never reached the export: exp records it (no Dockerfile, so nothing was read).
    const json = JSON.parse((await run(["history", "ls", "--root", fx.store, "--format", "json"])).stdout);
    expect(json).toHaveLength(3);
    expect(json[0]).toMatchObject({ status: "error", error: expect.stringMatching(/nope\.Dockerfile/) });
    expect(json[1].status).toBe("completed");
    expect(json[1].results[0]).toMatchObject({ mediaType: "application/vnd.exp.layer-report.v1+json" });
  });

  it("inspect shows what the build was asked for and how it went, as buildx history inspect", async () => {
    const inspect = await run(["history", "inspect", builds[0]!.slice(0, 10), "--root", fx.store], { cwd: fx.dir });
    expect(inspect.code).toBe(0);
    const text = inspect.stdout;
    expect(text).toContain(`ID:          ${builds[0]}\n`);
    expect(text).toContain("Name:        r.example/a:1\n");
    // Relative to the working directory, the Dockerfile relative to the context (as buildx).
    expect(text).toContain("Context:     ctx\n");
    expect(text).toContain("Dockerfile:  Dockerfile\n");
    expect(text).toContain("Target:      final\n");
    expect(text).toContain("Platforms:   linux/amd64, linux/arm64\n");
    expect(text).toMatch(/Created: {5}\d{4}-\d\d-\d\dT.*Z\nCompleted: {3}.*Z\nDuration: {4}\d+\.\ds\nStatus: {6}Completed\nBuild Steps: (\d+)\/\1 \(\d+% cached\)\n/);
    expect(text).toMatch(/BUILD ARG +VALUE\nVERSION +1\.2\nAPI_TOKEN +\*\*\*\*\n/);
    expect(text).not.toContain("tok-s3cr3t");
    expect(text).toMatch(new RegExp(`OUTPUT +ATTRIBUTES\\n${pluginType.replace(/[/.]/g, "\\$&")} +dest=${fx.dir}/a-report\\.json\\n`));
    expect(text).toMatch(/CACHE TO +ATTRIBUTES\nlocal +dest=.*\/cache\n/);
    expect(text).toMatch(/CACHE FROM +ATTRIBUTES\nlocal +src=.*\/cache\n/);
    expect(text).toMatch(/RESULT +DIGEST +SIZE\napplication\/vnd\.exp\.layer-report\.v1\+json +sha256:[0-9a-f]{64} +[\d.]+k?B\n/);
    expect(text).toMatch(/\d+ warnings?:\n - .*no cache found there yet/);
    expect(text).not.toContain("Error:");

    const json = JSON.parse((await run(["history", "inspect", builds[0]!, "--root", fx.store, "--format", "json"])).stdout);
    expect(json).toMatchObject({
      id: builds[0],
      status: "completed",
      request: {
        frontend: "dockerfile",
        context: fx.context,
        dockerfile: join(fx.context, "Dockerfile"),
        target: "final",
        platforms: ["linux/amd64", "linux/arm64"],
        buildArgs: { VERSION: "1.2", API_TOKEN: "****" },
        outputs: [{ type: pluginType, attrs: { dest: join(fx.dir, "a-report.json") } }],
        cacheTo: [{ type: "local", attrs: { dest: join(fx.dir, "cache") } }],
        cacheFrom: [{ type: "local", attrs: { src: join(fx.dir, "cache") } }],
      },
      steps: { total: expect.any(Number), completed: expect.any(Number), cached: expect.any(Number) },
      warnings: expect.arrayContaining([expect.stringMatching(/no cache found there yet/)]),
    });
    expect(json.steps.total).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(json)).not.toContain("tok-s3cr3t");
  });

  it("inspect without an id shows the latest build; its error is there", async () => {
    const inspect = await run(["history", "inspect", "--root", fx.store]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/^ID: +[a-z0-9]{25}\n/);
    expect(inspect.stdout).toMatch(/\nStatus: +Error\nError: +cannot read the Dockerfile: .*nope\.Dockerfile does not exist\n/);
    expect(inspect.stdout).toMatch(/Dockerfile: +.*nope\.Dockerfile\n/);

    const missing = await run(["history", "inspect", "zzzz-no-such-build", "--root", fx.store]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ERROR: no build record "zzzz-no-such-build"/);
  });

  it("rm removes a record by id; rm --all removes every one; neither or both is a usage error", async () => {
    const rm = await run(["history", "rm", builds[0]!, "--root", fx.store]);
    expect(rm).toMatchObject({ code: 0, stdout: `${builds[0]}\n` });
    expect(await (await openContentStore(fx.store)).history.get(builds[0]!)).toBeUndefined();

    expect(await run(["history", "rm", "--root", fx.store])).toMatchObject({ code: 2, stderr: "error: history rm requires at least one build id, or --all\n" });
    expect((await run(["history", "rm", "--all", builds[1]!, "--root", fx.store])).code).toBe(2);

    const all = await run(["history", "rm", "--all", "--root", fx.store]);
    expect(all.code).toBe(0);
    expect(all.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(await (await openContentStore(fx.store)).history.list()).toEqual([]);
    const empty = await run(["history", "inspect", "--root", fx.store]);
    expect(empty).toMatchObject({ code: 1, stderr: `ERROR: no build records in the store at ${fx.store}\n` });
  });

  it("rm resolves every id before removing any, so one unknown id removes nothing", async () => {
    const rm = await run(["history", "rm", builds[0]!, "zzzz-no-such-build", "--root", fx.store]);
    expect(rm).toMatchObject({ code: 1, stdout: "" });
    expect(rm.stderr).toBe(`ERROR: no build record "zzzz-no-such-build" in the store at ${fx.store} (see exp history ls)\n`);
    expect(await (await openContentStore(fx.store)).history.get(builds[0]!)).toBeDefined();
  });

  it("an interrupted build is Canceled, with how it ended in inspect", async () => {
    const controller = new AbortController();
    // Ctrl-C during the export's finalize.
    const plugin = await interruptingExporter(fx.dir, controller);
    try {
      const result = await run(["build", fx.context, "-o", `type=${plugin.path}`, "--root", fx.store], { signal: controller.signal });
      expect(result.code, result.stderr).toBe(130);
    } finally {
      plugin.dispose();
    }
    const ls = await run(["history", "ls", "--root", fx.store]);
    expect(ls.stdout.split("\n")[1]).toMatch(/^[a-z0-9]{25}\s+-\s+Canceled\s/);
    const inspect = await run(["history", "inspect", "--root", fx.store]);
    expect(inspect.stdout).toMatch(/\nStatus: +Canceled\nError: +.*interrupted \(SIGINT\)/);
  });
});
