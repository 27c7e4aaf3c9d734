import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileAccessError, isExpError, isNotFound, orAbsent } from "./index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-absent-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("orAbsent", () => {
  it("passes the result through and reads ENOENT, a dangling symlink and ENOTDIR as absent", async () => {
    await writeFile(join(dir, "file"), "x");
    await symlink("gone", join(dir, "dangling"));
    expect(await orAbsent(readFile(join(dir, "file"), "utf8"), "read", join(dir, "file"))).toBe("x");
    expect(await orAbsent(stat(join(dir, "missing")), "stat", join(dir, "missing"))).toBeUndefined();
    expect(await orAbsent(readFile(join(dir, "dangling")), "read", join(dir, "dangling"))).toBeUndefined();
    expect(await orAbsent(stat(join(dir, "file", "below")), "stat", join(dir, "file", "below"))).toBeUndefined();
  });

  it("makes ENOTDIR a fault where the caller says a directory is expected", async () => {
    const path = join(dir, "file", "index.json");
    const error = await orAbsent(readFile(path), "read", path, { notDirIsAbsent: false }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_FILE_ACCESS")).toBe(true);
    expect((error as FileAccessError).errno).toBe("ENOTDIR");
  });

  it("turns every other failure into ERR_FILE_ACCESS naming the path, the errno, its meaning and what is valid", async () => {
    await mkdir(join(dir, "a-directory"));
    const path = join(dir, "a-directory");
    const error = await orAbsent(readFile(path), "read", path, { expected: "a regular file or nothing" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileAccessError);
    expect((error as FileAccessError).path).toBe(path);
    expect((error as Error).message).toBe(`cannot read ${path}: EISDIR (it is a directory); expected a regular file or nothing`);
    expect((error as Error).cause).toMatchObject({ code: "EISDIR" });
    await symlink("loop", join(dir, "loop"));
    await expect(orAbsent(stat(join(dir, "loop")), "stat", join(dir, "loop"))).rejects.toThrow(/: ELOOP \(it is a symbolic link loop\)$/);
  });

  it("keeps a failure without an errno readable", async () => {
    await expect(orAbsent(Promise.reject(new Error("boom")), "read", "/x")).rejects.toThrow("cannot read /x: boom");
  });
});

describe("isNotFound", () => {
  it("is ENOENT and ENOTDIR only", () => {
    expect(isNotFound(Object.assign(new Error("x"), { code: "ENOENT" }))).toBe(true);
    expect(isNotFound(Object.assign(new Error("x"), { code: "ENOTDIR" }))).toBe(true);
    for (const code of ["EISDIR", "ELOOP", "EACCES", "EIO", undefined]) expect(isNotFound(Object.assign(new Error("x"), { code }))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });
});
