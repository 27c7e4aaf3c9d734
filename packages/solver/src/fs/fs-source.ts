import type { Readable } from "node:stream";
import type { Digest } from "@exp/oci-spec";

/** One path of a filesystem that COPY can read from (a build context, a stage, a base image). */
export interface FsEntry {
  /** Relative to the source's root, POSIX, no leading "/" or "./". */
  path: string;
  /**
   * "fifo" is a named pipe, which BuildKit's copier recreates (fsutil copyDevice).
   * "hardlink" marks a later name of a file already listed under `linkTarget`; `size` and `mode`
   * are still those of the file, and `open` of either name reads the same bytes.
   */
  type: "file" | "dir" | "symlink" | "hardlink" | "fifo";
  /** Permission bits including setuid, setgid and sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a file (or of the file a hardlink names); 0 otherwise. */
  size: number;
  mtimeMs: number;
  /** A symlink's target verbatim, or a hardlink's first name (relative to the root). */
  linkTarget?: string;
  /**
   * Extended attributes (security.capability, user.*), name to value in base64, as BuildKit
   * carries them (`SCHILY.xattr.<name>` PAX records in layer tars). Absent when there are none.
   */
  xattrs?: Readonly<Record<string, string>>;
}

export interface FsReadOptions {
  signal?: AbortSignal;
}

/**
 * Files up to this size are read whole (FsSource.readFile) rather than streamed, to hash them or
 * to write them into a layer: most of a node_modules tree, where per-file round trips, not bytes,
 * are the cost. A few dozen of them in flight hold a few MiB.
 */
export const WHOLE_READ_LIMIT = 256 * 1024;

/** A filesystem to copy from. Implementations stream content; nothing is held whole in memory. */
export interface FsSource {
  /** Every path, sorted; the root itself is not listed. */
  list(options?: FsReadOptions): Promise<FsEntry[]>;
  /** The content of a file (or hardlink) entry. */
  open(path: string, options?: FsReadOptions): Promise<Readable>;
  /**
   * A file's whole content in one buffer, for small files (the caller decides by the listed size):
   * one open, one read and one close where a stream costs several round trips to libuv's pool, so
   * a tree of thousands of small files is not bound by their latency. Optional: `open` is the
   * fallback. Fails like `open` does when the file is no longer the one listed.
   */
  readFile?(path: string, options?: FsReadOptions): Promise<Buffer>;
  /**
   * The sha256 of a file's content, when the source can answer faster than reading it through
   * `open` (a cache keyed on inode and times). Optional: checksumCopy falls back to hashing `open`.
   */
  contentDigest?(entry: FsEntry, options?: FsReadOptions): Promise<Digest>;
}
