/** The kinds of filesystem entries a container image layer can carry. */
export type TreeEntryType = "file" | "dir" | "symlink" | "fifo" | "char" | "block" | "socket";

/**
 * What a container sees of one path. Modification times are kept only to spare hashing (see
 * snapshotTree's baseline) and are never compared: builders legitimately differ in them.
 */
export interface TreeEntry {
  type: TreeEntryType;
  /** Permission bits with setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  uid: number;
  gid: number;
  /** file: size in bytes and content hash. */
  size?: number;
  sha256?: string;
  /** symlink: its target, as stored. */
  target?: string;
  /** char/block device: "major:minor". */
  rdev?: string;
  /** Hard links: every path of the tree sharing this inode (2 or more, sorted), on each of them. */
  links?: readonly string[];
  /** Extended attributes (security.capability, user.*, ACLs): name -> hex value ("0x…"). */
  xattrs: Readonly<Record<string, string>>;
  /** Not compared. Nanoseconds since the epoch. */
  mtimeNs: bigint;
}

/** A filesystem tree: every path ("/", "/etc", "/etc/passwd", …) and what is there. */
export interface TreeSnapshot {
  root: string;
  entries: ReadonlyMap<string, TreeEntry>;
}

/** One way two trees differ, e.g. { path: "/tmp", field: "mode", a: "0755", b: "1777" }. */
export interface TreeDifference {
  path: string;
  /** "presence", "type", "mode", "uid", "gid", "content", "target", "rdev", "links" or "xattr <name>". */
  field: string;
  a: string;
  b: string;
}
