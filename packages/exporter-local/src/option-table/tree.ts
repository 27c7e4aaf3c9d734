import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdtemp, readFile, readdir, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

/** One entry of an exported filesystem: what BuildKit's local and tar exporters decide about it. */
export interface TreeEntry {
  readonly type: "file" | "dir" | "symlink";
  readonly mode: number;
  /** Seconds. */
  readonly mtime: number;
  /** sha256 of a file's bytes, a symlink's target. */
  readonly content?: string;
}

/** An exported filesystem: relative path → entry. */
export type Tree = ReadonlyMap<string, TreeEntry>;

/** Reads a directory tree with its modes and mtimes (symlinks not followed). */
export async function readTree(root: string, dir = root, out = new Map<string, TreeEntry>()): Promise<Map<string, TreeEntry>> {
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const st = await lstat(path);
    const base = { mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
    const key = relative(root, path);
    if (st.isSymbolicLink()) out.set(key, { type: "symlink", ...base, content: await readlink(path) });
    else if (st.isDirectory()) {
      out.set(key, { type: "dir", ...base });
      await readTree(root, path, out);
    } else out.set(key, { type: "file", ...base, content: createHash("sha256").update(await readFile(path)).digest("hex") });
  }
  return out;
}

/** Unpacks a tarball with GNU tar (not exp's reader), keeping its modes and times, and reads the tree. */
export async function readTarTree(file: string): Promise<Map<string, TreeEntry>> {
  const dir = await mkdtemp(join(tmpdir(), "exp-local-walk-"));
  try {
    execFileSync("tar", ["-xpf", file, "-C", dir, "--no-same-owner"]);
    return await readTree(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function fingerprint(tree: Tree): string {
  return [...tree].map(([path, e]) => `${path} ${e.type} ${e.mode.toString(8)} ${e.mtime} ${e.content ?? ""}`).join("\n");
}
