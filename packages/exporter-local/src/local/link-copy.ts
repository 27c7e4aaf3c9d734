import type { Dirent } from "node:fs";
import { copyFile, link, lstat, mkdir, readdir, readlink, symlink } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { applyPathMeta, applySymlinkMeta } from "../fsops/apply-meta.js";
import type { NodeMeta } from "../rootfs/node-meta.js";
import type { DirMetas } from "./dir-metas.js";

export interface LinkCopyOptions {
  signal: AbortSignal;
  preserveOwnership: boolean;
  warn: (message: string) => void;
}

// Hard links fail across filesystems (something mounted inside dest), on files we may not link
// (fs.protected_hardlinks), and past the link limit; those are copied instead.
const LINK_FALLBACK = new Set(["EXDEV", "EPERM", "EACCES", "EMLINK", "ENOTSUP", "EOPNOTSUPP"]);

/**
 * mode=copy starts from the current destination: every non-directory is hard-linked into `to`
 * (no bytes copied), directories are recreated (0700 while we work in them; their real metadata
 * goes into `dirMetas`, applied at the end). Nothing here is ever written to afterwards: the
 * export replaces a path by renaming a new file over it, so the old inode, which the previous
 * destination (and any outside hard link to it) still shares, keeps its bytes.
 */
export async function linkCopyTree(from: string, to: string, dirMetas: DirMetas, options: LinkCopyOptions): Promise<void> {
  await copyDir(from, to, "", dirMetas, options);
}

async function copyDir(from: string, to: string, rel: string, dirMetas: DirMetas, options: LinkCopyOptions): Promise<void> {
  const entries: Dirent[] = await readdir(from, { withFileTypes: true });
  for (const entry of entries) {
    throwIfAborted(options.signal, "copying the previous destination");
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      const stats = await lstat(source);
      await mkdir(target, 0o700);
      dirMetas.set(path, { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, mtimeMs: stats.mtimeMs });
      await copyDir(source, target, path, dirMetas, options);
      continue;
    }
    try {
      // link() does not follow a symlink on Linux: a symlink is linked as itself.
      await link(source, target);
    } catch (error) {
      if (!LINK_FALLBACK.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
      await copyEntry(entry, source, target, path, options);
    }
  }
}

async function copyEntry(entry: Dirent, source: string, target: string, path: string, options: LinkCopyOptions): Promise<void> {
  const stats = await lstat(source);
  const meta: NodeMeta = { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, mtimeMs: stats.mtimeMs };
  if (entry.isFile()) {
    // COPYFILE_EXCL: target is ours and new; copyFile streams in the kernel, never through memory.
    await copyFile(source, target, 1);
    await applyPathMeta(target, meta, options.preserveOwnership);
  } else if (entry.isSymbolicLink()) {
    await symlink(await readlink(source), target);
    await applySymlinkMeta(target, meta, options.preserveOwnership);
  } else {
    options.warn(`mode=copy: ${JSON.stringify(path)} in the destination is a special file that could not be linked; it is dropped`);
  }
}
