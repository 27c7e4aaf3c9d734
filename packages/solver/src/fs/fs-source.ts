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

/** A filesystem to copy from. Implementations stream content; nothing is held whole in memory. */
export interface FsSource {
  /** Every path, sorted; the root itself is not listed. */
  list(options?: FsReadOptions): Promise<FsEntry[]>;
  /** The content of a file (or hardlink) entry. */
  open(path: string, options?: FsReadOptions): Promise<Readable>;
  /**
   * The sha256 of a file's content, when the source can answer faster than reading it through
   * `open` (a cache keyed on inode and times). Optional: checksumCopy falls back to hashing `open`.
   */
  contentDigest?(entry: FsEntry, options?: FsReadOptions): Promise<Digest>;
}
