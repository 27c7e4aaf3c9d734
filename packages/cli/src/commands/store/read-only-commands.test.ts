import { spawn } from "node:child_process";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, run, type Fixture } from "../../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

/** Every path below `dir` with its mtime: "changed nothing" means this stays equal. */
async function snapshot(dir: string): Promise<Array<[string, number]>> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(entries.sort().map(async (e): Promise<[string, number]> => [e, (await stat(join(dir, e))).mtimeMs]));
}

const hint = "pass the --root (or set the EXP_ROOT) that exp build used; the first build creates the store";
const readers = [["du"], ["du", "--format", "json"], ["history", "ls"], ["history", "inspect", "abc"], ["image", "ls"], ["images"], ["image", "list", "-q"]];
const removers = [["prune", "-f"], ["prune", "-a", "-f"], ["image", "rm", "app:1"], ["history", "rm", "abc"]];

describe("commands other than build never create or change a store", () => {
  it("refuse a --root that holds something else (a build context), naming it, and leave it as it was", async () => {
    const before = await snapshot(fx.context);
    for (const argv of [...readers, ...removers]) {
      const result = await run([...argv, "--root", fx.context]);
      expect(result, argv.join(" ")).toEqual({ code: 1, stdout: "", stderr: `ERROR: ${fx.context} is not a content store: it has no blobs/ directory (it holds Dockerfile, README.txt, app); ${hint}\n` });
    }
    expect(await run(["store", "check", "--root", fx.context])).toEqual({ code: 1, stdout: "", stderr: `ERROR: ${fx.context} is not a content store: it has no blobs/ directory (it holds Dockerfile, README.txt, app); ${hint}\n` });
    expect(await snapshot(fx.context)).toEqual(before);
  });

  it("refuse a mistyped --root or $EXP_ROOT that does not exist, and do not create it", async () => {
    const typo = join(fx.dir, "stroe");
    for (const argv of [...readers, ...removers]) {
      expect(await run([...argv, "--root", typo]), argv.join(" ")).toEqual({ code: 1, stdout: "", stderr: `ERROR: ${typo} is not a content store: it does not exist; ${hint}\n` });
      expect((await run(argv, { env: { HOME: fx.dir, EXP_ROOT: typo } })).stderr, argv.join(" ")).toContain(`ERROR: ${typo} is not a content store: it does not exist`);
    }
    expect(await readdir(fx.dir)).not.toContain("stroe");
    // An empty directory or a file is no store either (with its own code, for --debug).
    await mkdir(typo);
    expect((await run(["du", "--root", typo], { env: { HOME: fx.dir, EXP_DEBUG: "1" } })).stderr).toMatch(new RegExp(`^ERROR: ${typo} is not a content store: it is an empty directory; .*\\ncode: ERR_NOT_A_STORE\\n`));
    expect(await readdir(typo)).toEqual([]);
    const file = join(fx.dir, "a-file");
    await writeFile(file, "");
    expect((await run(["images", "--root", file], { env: { HOME: fx.dir, EXP_DEBUG: "1" } })).stderr).toMatch(/code: ERR_STORE_NOT_A_DIRECTORY\n/);
  });

  it("show an empty store when the default one does not exist yet, without creating it", async () => {
    const env = { HOME: fx.dir, XDG_DATA_HOME: join(fx.dir, "data") };
    expect(await run(["images"], { env })).toEqual({ code: 0, stdout: "REPOSITORY   TAG   IMAGE ID   CREATED   SIZE\n", stderr: "" });
    expect(await run(["history", "ls"], { env })).toEqual({ code: 0, stdout: "ID   NAME   STATUS   CREATED   DURATION   RESULTS\n", stderr: "" });
    const du = await run(["du", "--format", "json"], { env });
    expect(JSON.parse(du.stdout)).toMatchObject({ root: join(fx.dir, "data", "exp"), blobs: 0, bytes: 0, reclaimableBlobs: 0, holders: [{ type: "unreferenced", blobs: 0 }] });
    expect(await run(["prune", "-a", "-f"], { env })).toMatchObject({ code: 0, stdout: expect.stringContaining("Total reclaimed space: 0B\n") });
    const rm = await run(["image", "rm", "app:1"], { env });
    expect(rm).toMatchObject({ code: 1, stderr: `ERROR: no such image in the store at ${join(fx.dir, "data", "exp")}: "app:1"; the store has no images. Nothing was removed\n` });
    expect(await readdir(fx.dir)).not.toContain("data");
  });

  it("read a real store without touching it: not even what a killed build left is tidied", async () => {
    expect((await run(["build", fx.context, "-t", "app:1", "--root", fx.store])).code).toBe(0);
    const dead = await deadPid();
    await writeFile(join(fx.store, "ingest", `${dead}-0123456789abcdef`), "half a layer");
    const before = await snapshot(fx.store);
    for (const argv of [...readers, ["history", "inspect", "x"], ["store", "check"]]) await run([...argv, "--root", fx.store]);
    expect(await snapshot(fx.store)).toEqual(before);
    // A command that removes opens the store for writing, which tidies as every writer does.
    expect((await run(["prune", "-f", "--root", fx.store])).code).toBe(0);
    expect(await readdir(join(fx.store, "ingest"))).toEqual([]);
  });
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}
