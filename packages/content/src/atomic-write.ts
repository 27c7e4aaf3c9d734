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

export interface AtomicWriteOptions {
  signal?: AbortSignal;
  mode?: number;
  /**
   * Default true: fsync the file before the rename and the directory after it, so the new content
   * survives a machine crash. False keeps only the atomicity (readers see the old file or the new
   * one, never a mix) for records whose loss in a crash costs nothing — lease resources, the label
   * index marker. Without the file fsync a crash may leave the new name with empty or partial
   * content, so only use it where readers tolerate that.
   */
  durable?: boolean;
  /** Awaited just before the rename: work that must be visible before the new content is, run alongside the write. */
  beforeRename?: Promise<unknown>;
}

/**
 * Replaces `path` with `data` so that a reader (or, when durable, a crash at any point) sees either
 * the old file or the new one, never a mix: write a temp file beside it, fsync it, rename over the
 * target, fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  throwIfAborted(options.signal, `writing ${path}`);
  const durable = options.durable ?? true;
  const temp = tempPathFor(path);
  let renamed = false;
  try {
    const handle = await open(temp, "wx", options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      // Durable truth: the data must be on disk before the rename can be, or a crash could leave
      // the record's name pointing at an empty file.
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename;
    // The last point where giving up leaves nothing behind; after the rename the write has happened.
    throwIfAborted(options.signal, `writing ${path}`);
    await rename(temp, path);
    renamed = true;
    // Durable truth: without it a crash can forget the rename even though the data was synced.
    if (durable) await fsyncDir(dirname(path));
  } finally {
    if (!renamed) await removeFile(temp).catch(() => undefined);
  }
}

/**
 * Creates an empty file if it does not exist; true when this call created it. One create syscall is
 * atomic and visible to every process at once, so there is no temp file to clean up. Not fsynced:
 * its only user is a lease resource entry, which needs visibility order, not durability (see
 * addLeaseResource).
 */
export async function createEmptyFile(path: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx", 0o644);
    await handle.close();
    return true;
  } catch (error) {
    if (!hasCode(error, "EEXIST")) throw error;
    return false;
  }
}
