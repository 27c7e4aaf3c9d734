import { createHash } from "node:crypto";
import { readFile, utimes } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import type { Digest } from "@exp/oci-spec";
import { CacheRecords } from "@exp/solver";
import { fixture, pluginType, run, type Fixture } from "../../test-helpers.js";

let fx: Fixture;
let builds: string[];

/** Two builds that each wrote a report (no image kept), and one that failed: cache, hashes, history. */
beforeEach(async () => {
  fx = await fixture();
  builds = [];
  for (const name of ["a", "b"]) {
    const meta = join(fx.dir, `${name}.json`);
    expect((await run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, `${name}-report.json`)}`, "--root", fx.store, "--metadata-file", meta])).code).toBe(0);
    builds.push(JSON.parse(await readFile(meta, "utf8"))["exp.build.ref"]);
  }
  expect((await run(["build", fx.context, "-f", join(fx.dir, "nope.Dockerfile"), "-o", `type=${pluginType},dest=x`, "--root", fx.store])).code).toBe(1);
});
afterEach(() => fx.cleanup());

const prune = (...argv: string[]) => run(["prune", ...argv, "--root", fx.store]);
const store = () => openContentStore(fx.store);
const answer = (text: string) => {
  const stdin = new PassThrough();
  stdin.end(text);
  return stdin;
};

/** Dates a root's last use (its file's mtime) and a history record's creation back by `ms`. */
async function age(ms: number, what: { roots?: string[]; history?: string[] }): Promise<void> {
  const s = await store();
  const when = new Date(Date.now() - ms);
  const names = new Set((await s.roots.list()).map((r) => r.name));
  for (const name of what.roots ?? []) {
    expect(names.has(name)).toBe(true);
    await utimes(join(fx.store, "meta", "roots", `${createHash("sha256").update(name).digest("hex")}.json`), when, when);
  }
  for (const id of what.history ?? []) {
    const record = (await s.history.get(id))!;
    await s.history.put({ ...record, createdAt: when, completedAt: when });
  }
}

describe("exp prune", () => {
  it("without -f on a non-terminal refuses; with -f it removes only what nothing references", async () => {
    const refused = await prune();
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toBe("ERROR: exp prune asks for confirmation on a terminal; pass -f/--force to prune without asking\n");

    const before = await (await store()).du();
    expect(before.reclaimableBlobs).toBeGreaterThan(0);
    const result = await prune("-f");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Deleted build history records: 0\nDeleted build cache records: 0\nDeleted blobs: ${before.reclaimableBlobs}\nTotal reclaimed space: ${result.stdout.match(/space: (\S+)/)![1]}\n`);
    const s = await store();
    expect((await s.du()).reclaimableBlobs).toBe(0);
    expect(await s.history.list()).toHaveLength(3);
    expect(await new CacheRecords(s).keys()).toHaveLength(2);
  });

  it("-a removes every build cache record, the file hashes and all history, and frees their blobs; the next build is cold", async () => {
    const s = await store();
    const reports = (await s.history.list()).flatMap((r) => r.results.map((d) => d.digest));
    expect(reports).toHaveLength(2);
    const all = await prune("--all", "-f");
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^Deleted build history records: 3\n(  \S+\n){3}Deleted build cache records: 3\nDeleted blobs: \d+\nTotal reclaimed space: [1-9][\d.]*k?B\n$/);
    for (const id of builds) expect(all.stdout).toContain(`  ${id}\n`);
    expect(await s.history.list()).toEqual([]);
    expect(await s.roots.list()).toEqual([]);
    for (const digest of reports) expect(await s.exists(digest)).toBe(false);
    expect((await s.du()).blobs).toBe(0);
    const again = await run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "c.json")}`, "--root", fx.store, "--progress", "plain"]);
    expect(again.stderr.match(/CACHED/g)).toBeNull();
  });

  it("never removes images: they stay until exp image rm", async () => {
    expect((await run(["build", fx.context, "-t", "kept:1", "--root", fx.store])).code).toBe(0);
    const kept = (await (await store()).roots.get("image/docker.io/library/kept:1"))!;
    expect((await prune("-a", "-f")).code).toBe(0);
    const s = await store();
    expect(await s.roots.get("image/docker.io/library/kept:1")).toEqual(kept);
    expect(await s.exists(kept.digest)).toBe(true);
  });

  it("keeps the cache records a running build has read, even with -a, as BuildKit keeps records in use", async () => {
    const s = await store();
    const [hit, other] = (await s.roots.list()).map((r) => r.name).filter((n) => n.startsWith("exp.cache/"));
    await age(3_600_000, { roots: [hit!, other!, "exp.hash-cache"] });
    // A build in this process: its lease, then a cache lookup (which marks the record used).
    const lease = await s.leases.create({ labels: { "exp.io/purpose": "build" } });
    await s.roots.get(hit!);
    const result = await prune("-a", "-f", "--format", "json");
    const json = JSON.parse(result.stdout);
    expect(json.kept).toEqual([hit]);
    expect(json.removed.map((r: { id: string }) => r.id)).toContain(other);
    expect((await s.roots.list()).map((r) => r.name)).toEqual([hit]);
    // The record keeps its layer too, so the build's cache hit still holds.
    const record = JSON.parse((await s.readAll((await s.roots.get(hit!))!.digest)).toString("utf8")) as { diffID: Digest };
    expect(await s.exists(record.diffID)).toBe(true);
    await s.leases.release(lease.id);
    expect((await prune("-a", "-f")).stdout).toContain("Deleted build cache records: 1\n");
  });

  it("--filter type= removes only that kind; type!= every kind but that", async () => {
    const history = await prune("-f", "--filter", "type=history");
    expect(history.stdout).toMatch(/^Deleted build history records: 3\n(  \S+\n){3}Deleted build cache records: 0\n/);
    expect((await (await store()).roots.list()).map((r) => r.name)).toHaveLength(3);
    const notRegular = await prune("-f", "--filter", "type!=regular", "--format", "json");
    expect(JSON.parse(notRegular.stdout).removed).toEqual([{ type: "source.local", id: "exp.hash-cache", lastUsedAt: expect.any(String) }]);
    expect(await new CacheRecords(await store()).keys()).toHaveLength(2);
  });

  it("--filter until= keeps what was used more recently; reading a cache record in a build counts as use", async () => {
    const s = await store();
    const cacheRoots = (await s.roots.list()).map((r) => r.name).filter((n) => n.startsWith("exp.cache/"));
    await age(48 * 3_600_000, { roots: [...cacheRoots, "exp.hash-cache"], history: [builds[0]!] });
    // A build that hits the cache marks its records used again.
    expect((await run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "c.json")}`, "--root", fx.store])).code).toBe(0);
    await age(48 * 3_600_000, { roots: [cacheRoots[0]!] });

    const result = await prune("-f", "--filter", "until=24h", "--format", "json");
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.removed.map((r: { type: string; id: string }) => [r.type, r.id]).sort()).toEqual([
      ["history", builds[0]],
      ["regular", cacheRoots[0]],
    ].sort());
    expect(json).toMatchObject({ root: fx.store, kept: [], deletedBlobs: expect.any(Number), reclaimedBytes: expect.any(Number) });
    expect((await s.roots.list()).map((r) => r.name)).toContain(cacheRoots[1]);
  });

  it("--max-used-space removes least recently used records until the store fits, skipping what would free nothing", async () => {
    const s = await store();
    const cacheRoots = (await s.roots.list()).map((r) => r.name).filter((n) => n.startsWith("exp.cache/"));
    await age(3 * 3_600_000, { roots: [cacheRoots[0]!] });
    await age(2 * 3_600_000, { history: [builds[0]!] });
    const used = (await s.du()).bytes - (await s.du()).reclaimableBytes;
    const result = await prune("-f", "--max-used-space", String(used - 1), "--format", "json");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    // The oldest record frees something: it goes first, and one is enough.
    expect(JSON.parse(result.stdout).removed.map((r: { id: string }) => r.id)).toEqual([cacheRoots[0]]);

    const zero = await prune("-f", "--max-used-space", "1", "--format", "json");
    const removed = JSON.parse(zero.stdout).removed.map((r: { type: string }) => r.type);
    // The failed build's record reaches no blob: removing it frees nothing, so it stays.
    expect(removed.sort()).toEqual(["history", "history", "regular", "source.local"]);
    expect((await s.history.list()).map((r) => r.results.length)).toEqual([0]);
    expect(zero.stderr).toBe("");
  });

  it("reads buildx's deprecated spellings with their warning, and refuses them next to their replacements", async () => {
    const storage = await prune("-f", "--keep-storage", "1gb");
    expect(storage).toMatchObject({ code: 0, stderr: "Flag --keep-storage has been deprecated, keep-storage flag has been changed to reserved-space\n" });
    // 1gb is more than the store uses: nothing goes.
    expect(storage.stdout).toContain("Deleted build history records: 0\n");
    const duration = await prune("-f", "--keep-duration", "1h");
    expect(duration).toMatchObject({ code: 0, stderr: "Flag --keep-duration has been deprecated, use --filter until=<duration>\n" });
    expect(duration.stdout).toContain("Deleted build history records: 0\nDeleted build cache records: 0\n");
    expect(await prune("-f", "--keep-duration", "1h", "--filter", "until=2h")).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: --keep-duration 1h and --filter until=2h both set the age to keep; use --filter until=<duration> alone\n",
    });
    expect((await prune("-f", "--keep-storage", "1gb", "--reserved-space", "1gb")).code).toBe(2);
  });

  it("refuses bad filters and sizes as usage errors naming the value, before removing anything", async () => {
    const cases: Array<[string[], string]> = [
      [["--filter", "until"], "error: option '--filter <filter>' argument 'until' is invalid. expected key=value: until=<duration> (e.g. until=24h) or type=regular|source.local|history (type!= to exclude one)\n"],
      [["--filter", "until=3x"], `error: option '--filter <filter>' argument 'until=3x' is invalid. "until" expects a duration such as 24h, 7d, 90m or 1h30m, not "3x"\n`],
      [["--filter", "type=exec.cachemount"], `error: option '--filter <filter>' argument 'type=exec.cachemount' is invalid. exp prune removes records of type regular, source.local, history, not "exec.cachemount" (exp has no exec.cachemount, frontend or internal records: it runs no containers)\n`],
      [["--filter", "id=abc"], `error: option '--filter <filter>' argument 'id=abc' is invalid. unknown filter "id"; exp prune filters on until=<duration> (e.g. until=24h) or type=regular|source.local|history (type!= to exclude one)\n`],
      [["--filter", "until=1h", "--filter", "until=2h"], `error: option '--filter <filter>' argument 'until=2h' is invalid. "until" takes one value; it is already until=1h\n`],
      [["--max-used-space", "10 parsecs"], "error: option '--max-used-space <bytes>' argument '10 parsecs' is invalid. expected a size such as 10gb, 512mb or 1048576 (units b, k, m, g, t, p; 1kb = 1024 bytes)\n"],
    ];
    for (const [argv, stderr] of cases) expect(await prune("-f", ...argv), argv.join(" ")).toEqual({ code: 2, stdout: "", stderr });
    expect(await (await store()).history.list()).toHaveLength(3);
  });

  it("asks on a terminal, saying exactly what will go", async () => {
    const no = await run(["prune", "--all", "--root", fx.store], { isTTY: true, stdin: answer("n\n") });
    expect(no.code).toBe(1);
    expect(no.stderr).toBe(
      "WARNING! This will remove every build cache record, the build context file hashes and every build history record, then every blob nothing else references (images are kept: exp image rm removes them).\nAre you sure you want to continue? [y/N] Prune cancelled (pass -f/--force to prune without this question).\n",
    );
    expect(await (await store()).history.list()).toHaveLength(3);
    const filtered = await run(["prune", "--filter", "type!=history", "--filter", "until=24h", "--max-used-space", "2gb", "--root", fx.store], { isTTY: true, stdin: answer("\n") });
    expect(filtered.stderr).toContain(
      "WARNING! This will remove every build cache record and the build context file hashes not used in the last 24h, least recently used first, until the store fits --max-used-space 2GiB, then every blob nothing else references (images are kept: exp image rm removes them).\n",
    );
    const bare = await run(["prune", "--root", fx.store], { isTTY: true, stdin: answer("no\n") });
    expect(bare.stderr).toContain("WARNING! This will remove all dangling build cache: every blob nothing references (the build cache records, build history and images are kept).\n");
    const yes = await run(["prune", "--all", "--root", fx.store], { isTTY: true, stdin: answer("y\n") });
    expect(yes.code).toBe(0);
    expect(await (await store()).history.list()).toHaveLength(0);
  });
});
