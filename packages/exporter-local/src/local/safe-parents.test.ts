import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { SafeParents } from "./safe-parents.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-safe-parents-"));
  await mkdir(join(dir, "real/sub"), { recursive: true });
  await symlink(join(dir, "real"), join(dir, "link"));
  await writeFile(join(dir, "file"), "");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

// The writer's last line of defence, for a destination that changed under it: every parent is lstat-ed.
it("accepts real directories and refuses a symlink or a file among the parents", async () => {
  const parents = new SafeParents(dir);
  await expect(parents.check("real/sub/new")).resolves.toBeUndefined();
  await expect(parents.check("top-level")).resolves.toBeUndefined();
  await expect(parents.check("link/sub/new")).rejects.toMatchObject({ code: "ERR_LOCAL_UNSAFE_PATH", entry: "link/sub/new", message: expect.stringMatching(/"link" is a symbolic link/) });
  await expect(parents.check("file/x")).rejects.toMatchObject({ code: "ERR_LOCAL_UNSAFE_PATH", message: expect.stringMatching(/"file" is not a directory/) });
  await expect(parents.check("missing/x")).rejects.toMatchObject({ code: "ERR_LOCAL_UNSAFE_PATH" });
});
