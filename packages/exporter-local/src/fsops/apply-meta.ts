import type { FileHandle } from "node:fs/promises";
import { chmod, chown, lchown, lutimes, utimes } from "node:fs/promises";
import type { NodeMeta } from "../rootfs/node-meta.js";

// Order matters everywhere below: chown first, because changing the owner clears setuid/setgid
// bits; chmod next; times last, because chown and chmod do not touch mtime but writes would.

/** Owner (when asked), mode and times of a file still open for writing. */
export async function applyHandleMeta(handle: FileHandle, meta: NodeMeta, preserveOwnership: boolean): Promise<void> {
  if (preserveOwnership) await handle.chown(meta.uid, meta.gid);
  await handle.chmod(meta.mode & 0o7777);
  const seconds = meta.mtimeMs / 1000;
  await handle.utimes(seconds, seconds);
}

/** The same by path, for a directory or a regular file the caller lstat-checked (never a symlink: chmod follows). */
export async function applyPathMeta(path: string, meta: NodeMeta, preserveOwnership: boolean): Promise<void> {
  if (preserveOwnership) await chown(path, meta.uid, meta.gid);
  await chmod(path, meta.mode & 0o7777);
  const seconds = meta.mtimeMs / 1000;
  await utimes(path, seconds, seconds);
}

/** A symlink's owner and times (Linux has no symlink modes); never touches what it points to. */
export async function applySymlinkMeta(path: string, meta: NodeMeta, preserveOwnership: boolean): Promise<void> {
  if (preserveOwnership) await lchown(path, meta.uid, meta.gid);
  const seconds = meta.mtimeMs / 1000;
  await lutimes(path, seconds, seconds);
}
