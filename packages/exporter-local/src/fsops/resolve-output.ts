import { statSync, type Stats } from "node:fs";
import { lstat, mkdir, realpath, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { InvalidDestError } from "../errors.js";

export interface ResolvedOutput {
  /** Absolute; when the user's path was a symlink, the path it points to. */
  readonly path: string;
  readonly exists: boolean;
  /** Permission bits of an existing output, kept by the replacement. */
  readonly mode?: number;
}

/**
 * Where an output really goes. The output path itself may be a symlink (out -> /mnt/big/out): the
 * new output replaces what it points to, so the link keeps working; that is the one symlink we
 * follow, and only at the root. A missing output gets its parent directories created, as buildx
 * does. What cannot take the output (a file where a directory is wanted, the filesystem root) is
 * refused up front, before any work.
 */
export async function resolveOutput(dest: string, kind: "directory" | "file"): Promise<ResolvedOutput> {
  let path = resolve(dest);
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new InvalidDestError(dest, "cannot be read", error);
    await mkdir(dirname(path), { recursive: true }).catch((cause: unknown) => {
      throw new InvalidDestError(dest, "has a parent directory that cannot be created", cause);
    });
    return { path, exists: false };
  }
  if (stats.isSymbolicLink()) {
    try {
      path = await realpath(path);
      stats = await stat(path);
    } catch (error) {
      throw new InvalidDestError(dest, "is a symbolic link to nothing", error);
    }
  }
  if (kind === "directory") await checkDirectory(dest, path, stats);
  else checkFile(dest, stats);
  return { path, exists: true, mode: stats.mode & 0o7777 };
}

/**
 * The kind check of resolveOutput, run when the output is resolved (before the build), so that a
 * file where a directory is wanted, or the reverse, costs no build. resolveOutput checks again at
 * export time, with the mount point and symlink rules, since the path may change meanwhile.
 */
export function precheckOutput(dest: string, kind: "directory" | "file"): void {
  const stats = statSync(resolve(dest), { throwIfNoEntry: false });
  if (!stats) return;
  if (kind === "directory" && !stats.isDirectory()) throw new InvalidDestError(dest, "exists and is not a directory");
  if (kind === "file") checkFile(dest, stats);
}

async function checkDirectory(dest: string, path: string, stats: Stats): Promise<void> {
  if (!stats.isDirectory()) throw new InvalidDestError(dest, "exists and is not a directory");
  // The export's work directory lives next to the output, in its parent.
  if (dirname(path) === path) throw new InvalidDestError(dest, "is the filesystem root");
}

function checkFile(dest: string, stats: Stats): void {
  if (stats.isDirectory()) throw new InvalidDestError(dest, "is a directory; type=tar writes one file (type=local writes a directory)");
  // Renaming over /dev/null or a FIFO would replace it rather than write to it.
  if (!stats.isFile()) throw new InvalidDestError(dest, 'exists and is not a regular file; use dest=- to stream the tar');
}
