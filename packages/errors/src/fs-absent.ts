import { ExpError } from "./exp-error.js";

/** True when `error` is a Node system error with one of the given errno codes. */
export function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && codes.includes(code);
}

/**
 * "Does not exist": ENOENT, or ENOTDIR (a component of the path is a file, so nothing can be at the
 * path). The only failures that may read as "absent"; a directory where a file should be (EISDIR),
 * a symlink loop (ELOOP), a FIFO, EACCES or EIO are faults to report, never "not there".
 */
export function isNotFound(error: unknown): boolean {
  return hasCode(error, "ENOENT", "ENOTDIR");
}

// What each errno says about the path, so a message tells what is wrong without the man page.
const MEANINGS: Readonly<Record<string, string>> = {
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ELOOP: "it is a symbolic link loop",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "an I/O error on the device",
  ENXIO: "no reader or device behind it (a FIFO or socket?)",
  ENAMETOOLONG: "the path is too long",
  EMFILE: "too many open files",
};

/**
 * A file or directory that is there (or may be) but could not be read, stat'ed or listed: what
 * callers used to take for "absent". Names the path, what was done, the errno and what it means,
 * and what would be valid (`expected`).
 */
export class FileAccessError extends ExpError {
  readonly path: string;
  readonly errno: string | undefined;
  constructor(action: string, path: string, cause: unknown, expected?: string) {
    const errno = typeof (cause as { code?: unknown } | null)?.code === "string" ? ((cause as { code: string }).code) : undefined;
    const meaning = errno !== undefined ? MEANINGS[errno] : undefined;
    const detail = errno !== undefined ? `${errno}${meaning ? ` (${meaning})` : ""}` : cause instanceof Error ? cause.message : String(cause);
    super("ERR_FILE_ACCESS", `cannot ${action} ${path}: ${detail}${expected ? `; expected ${expected}` : ""}`, { cause, fault: "server" });
    this.path = path;
    this.errno = errno;
  }
}

export interface OrAbsentOptions {
  /** What would be valid at the path, for the message (e.g. "a regular file or nothing"). */
  expected?: string;
  /**
   * ENOTDIR reads as absent unless this is false: where a directory is expected at the path's
   * parent (a cache directory that is a file), ENOTDIR is a fault, not "no such file".
   */
  notDirIsAbsent?: boolean;
}

/**
 * `await orAbsent(stat(path), "stat", path)`: the operation's result, undefined when the path does
 * not exist, and a FileAccessError for every other failure, so an unreadable file is never taken
 * for a missing one.
 */
export async function orAbsent<T>(operation: Promise<T>, action: string, path: string, options: OrAbsentOptions = {}): Promise<T | undefined> {
  try {
    return await operation;
  } catch (error) {
    if (hasCode(error, "ENOENT") || (options.notDirIsAbsent !== false && hasCode(error, "ENOTDIR"))) return undefined;
    throw new FileAccessError(action, path, error, options.expected);
  }
}
