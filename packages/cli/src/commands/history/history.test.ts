import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CacheRecords } from "@exp/solver";
import { openContentStore } from "@exp/content";
import { fixture, pluginType, run, type Fixture } from "../test-helpers.js";

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
    builds.push(JSON.parse(await (await import("node:fs/promises")).readFile(meta, "utf8"))["exp.build.ref"]);
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
});

describe("exp du and exp prune", () => {
  it("du shows blobs, bytes and what is reclaimable", async () => {
    const store = await openContentStore(fx.store);
    const usage = await store.du();
    const result = await run(["du", "--root", fx.store]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^blobs\\s+${usage.blobs}\\s+\\S+B$`, "m"));
    expect(result.stdout).toMatch(new RegExp(`^reclaimable\\s+${usage.reclaimableBlobs}\\s+\\S+B$`, "m"));
    expect(result.stdout).toMatch(/^build cache records\s+2$/m);
    expect(result.stdout).toMatch(/^build history records\s+3$/m);
    const json = JSON.parse((await run(["du", "--root", fx.store, "--format", "json"])).stdout);
    expect(json).toMatchObject({ ...usage, cacheRecords: 2, historyRecords: 3 });
  });

  it("prune without -f on a non-terminal refuses; with -f it only collects garbage", async () => {
    const refused = await run(["prune", "--root", fx.store]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/pass -f\/--force/);

    const before = await (await openContentStore(fx.store)).du();
    expect(before.reclaimableBlobs).toBeGreaterThan(0);
    const result = await run(["prune", "-f", "--root", fx.store]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Deleted build history records: 0\n");
    expect(result.stdout).toContain(`Deleted blobs: ${before.reclaimableBlobs}\n`);
    const after = await (await openContentStore(fx.store)).du();
    expect(after.reclaimableBlobs).toBe(0);
    expect(await (await openContentStore(fx.store)).history.list()).toHaveLength(3);
  });

  it("--keep-duration keeps newer history and the cache; --all removes history and cache and frees their blobs", async () => {
    const keep = await run(["prune", "-f", "--keep-duration", "1h", "--root", fx.store]);
    expect(keep.stdout).toContain("Deleted build history records: 0\n");
    const store = await openContentStore(fx.store);
    const reports = (await store.history.list()).flatMap((r) => r.results.map((d) => d.digest));
    expect(reports).toHaveLength(2);
    expect(await new CacheRecords(store).keys()).toHaveLength(2);

    const all = await run(["prune", "--all", "-f", "--root", fx.store]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("Deleted build history records: 3\n");
    for (const id of builds) expect(all.stdout).toContain(`  ${id}\n`);
    expect(all.stdout).toMatch(/Total reclaimed space: [1-9][\d.]*k?B\n/);
    expect(await store.history.list()).toEqual([]);
    for (const digest of reports) expect(await store.exists(digest)).toBe(false);
    expect(all.stdout).toContain("Deleted build cache records: 2\n");
    // The build cache went too: the next build writes its layers again.
    const again = await run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "c.json")}`, "--root", fx.store, "--progress", "plain"]);
    expect(again.stderr.match(/CACHED/g)).toBeNull();
  });

  it("asks for confirmation on a terminal", async () => {
    const answer = (text: string) => {
      const stdin = new PassThrough();
      stdin.end(text);
      return stdin;
    };
    const no = await run(["prune", "--all", "--root", fx.store], { isTTY: true, stdin: answer("n\n") });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain("WARNING! This will remove all build history, the whole build cache and every blob nothing references.");
    expect(await (await openContentStore(fx.store)).history.list()).toHaveLength(3);
    const yes = await run(["prune", "--all", "--root", fx.store], { isTTY: true, stdin: answer("y\n") });
    expect(yes.code).toBe(0);
    expect(await (await openContentStore(fx.store)).history.list()).toHaveLength(0);
  });
});
