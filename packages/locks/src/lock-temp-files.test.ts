import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findLockTempFiles, isTempOfLock, lockTempPath, parseLockTempName, removeStaleLockTempFiles } from "./lock-temp-files.js";

describe("lock temp files", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-lock-temps-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("are hidden beside their lock and name the lock and the writer's pid", () => {
    const temp = lockTempPath("/a/b/index.json.lock");
    expect(dirname(temp)).toBe("/a/b");
    expect(parseLockTempName(basename(temp))).toEqual({ lock: "index.json.lock", pid: process.pid });
    expect(isTempOfLock(basename(temp), "index.json.lock")).toBe(true);
    // Earlier versions' spellings: the push lock's and the layout lock's.
    expect(parseLockTempName("abc.lock.12-0123456789abcdef.tmp")).toEqual({ lock: "abc.lock", pid: 12 });
    expect(isTempOfLock(".index_json_lock.12-0123456789abcdef.tmp", "index.json.lock")).toBe(true);
    expect(isTempOfLock(".index_json.12-0123456789abcdef.tmp", "index.json.lock")).toBe(false);
    for (const name of ["abc.lock", "12-0123456789abcdef", ".x.12-0123.tmp", ".x.0-0123456789abcdef.tmp"]) expect(parseLockTempName(name)).toBeUndefined();
  });

  it("are found with their writer's liveness, and only the dead ones removed", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    await writeFile(join(dir, `.a.lock.${dead}-0123456789abcdef.tmp`), "");
    await writeFile(join(dir, `.b.lock.${process.pid}-0123456789abcdef.tmp`), "");
    await writeFile(join(dir, "c.lock"), "");
    expect(await findLockTempFiles(dir)).toEqual([
      { path: join(dir, `.a.lock.${dead}-0123456789abcdef.tmp`), pid: dead, alive: false },
      { path: join(dir, `.b.lock.${process.pid}-0123456789abcdef.tmp`), pid: process.pid, alive: true },
    ]);
    expect(await removeStaleLockTempFiles(dir)).toBe(1);
    expect((await readdir(dir)).sort()).toEqual([`.b.lock.${process.pid}-0123456789abcdef.tmp`, "c.lock"]);
    expect(await findLockTempFiles(join(dir, "missing"))).toEqual([]);
  });
});
