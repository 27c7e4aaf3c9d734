import { createHash } from "node:crypto";
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * Every path under `root` (but the excluded top-level names) with what it is: a file's mode and
 * sha256, a directory's mode, a symlink's target. Two equal snapshots mean nothing was added,
 * removed, rewritten or re-permissioned; mtimes are left out (a temp file made and removed in a
 * directory changes its mtime, and that is not a write to the destination).
 */
export async function snapshot(root: string, exclude: readonly string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (exclude.includes(rel)) continue;
      const stat = await lstat(path);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) out[rel] = `symlink -> ${await readlink(path)}`;
      else if (stat.isDirectory()) {
        out[rel] = `dir ${mode}`;
        await walk(path);
      } else if (stat.isFile()) out[rel] = `file ${mode} ${createHash("sha256").update(await readFile(path)).digest("hex")}`;
      else out[rel] = `special ${stat.mode.toString(8)}`;
    }
  };
  await walk(root);
  return out;
}
