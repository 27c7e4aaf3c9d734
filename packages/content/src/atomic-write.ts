import { open, rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { hasCode, removeFile } from "./fs-util.js";
import { tempToken } from "./temp-files.js";

/**
 * Makes a directory's entries (a create, rename or unlink in it) durable. Without this a crash
 * after rename() can forget the rename even though the file's data was synced. Filesystems that
 * cannot fsync a directory (EINVAL, EISDIR on some platforms) give no stronger guarantee to get.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    if (!hasCode(error, "EINVAL", "EISDIR", "EPERM", "EBADF", "ENOTSUP")) throw error;
  } finally {
    await handle?.close();
  }
}

/** The temp file name for `target`: hidden, in the same directory (same filesystem, so rename is atomic), carrying our pid. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target).replace(/\./g, "_")}.${tempToken()}.tmp`);
}

export function isTempName(name: string): boolean {
  return name.startsWith(".") && name.endsWith(".tmp");
}

/**
 * Replaces `path` with `data` so that a crash at any point leaves either the old file or the new
 * one, never a mix: write a temp file beside it, fsync it, rename over the target, fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { signal?: AbortSignal; mode?: number } = {}): Promise<void> {
  throwIfAborted(options.signal, `writing ${path}`);
  const temp = tempPathFor(path);
  let renamed = false;
  try {
    const handle = await open(temp, "wx", options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The last point where giving up leaves nothing behind; after the rename the write has happened.
    throwIfAborted(options.signal, `writing ${path}`);
    await rename(temp, path);
    renamed = true;
    await fsyncDir(dirname(path));
  } finally {
    if (!renamed) await removeFile(temp).catch(() => undefined);
  }
}

/**
 * Creates an empty file if it does not exist; true when this call created it. One create syscall is
 * atomic, so there is no temp file to clean up; the directory fsync makes the entry durable.
 */
export async function createEmptyFile(path: string): Promise<boolean> {
  let created = false;
  try {
    const handle = await open(path, "wx", 0o644);
    await handle.close();
    created = true;
  } catch (error) {
    if (!hasCode(error, "EEXIST")) throw error;
  }
  await fsyncDir(dirname(path));
  return created;
}
