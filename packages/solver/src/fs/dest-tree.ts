import { CopyParentNotDirError, SymlinkLoopError } from "./errors.js";
import type { FsEntry } from "./fs-source.js";
import { FsIndex } from "./fs-index.js";
import { cleanPath } from "./paths.js";

// containerd/continuity's RootPath (what BuildKit resolves COPY destinations with) gives up after 255 links.
const MAX_SYMLINK_HOPS = 255;

/** What one COPY has written so far, by absolute image path ("/usr/bin/x"). */
export type AddedEntries = (to: string) => FsEntry | undefined;

/**
 * The filesystem a COPY writes into, as BuildKit's copier sees it while it works: the base the COPY
 * runs on (empty for FROM scratch and for --link, whose layer is made on scratch) with what this
 * COPY has added so far on top. Paths are absolute image paths ("/", "/usr/bin").
 *
 * Resolution is containerd's RootPath (continuity fs/path.go, used by fsutil copy.go Copy): every
 * symlink on the way is followed inside the image, an absolute target restarts at its root and
 * ".." stops at the root, so nothing resolves outside the image; a missing component ends the
 * walk and the rest is kept as written.
 */
export class DestTree {
  constructor(
    private readonly base: FsIndex,
    private readonly added: AddedEntries = () => undefined,
  ) {}

  static empty(added?: AddedEntries): DestTree {
    return new DestTree(new FsIndex([]), added);
  }

  /** The entry at `path` without following a final symlink (Lstat); the root is a directory. */
  lstat(path: string): FsEntry | undefined {
    if (path === "/") return this.base.get("");
    return this.added(path) ?? this.base.get(path.slice(1));
  }

  /** True when `path` is in the base and this COPY has not written over it. */
  inBase(path: string): boolean {
    return path !== "/" && this.added(path) === undefined && this.base.get(path.slice(1)) !== undefined;
  }

  /** The entry `path` names once every symlink is followed (Stat), or undefined. */
  stat(path: string): FsEntry | undefined {
    return this.lstat(this.resolve(path, true));
  }

  /**
   * `path` (absolute) with the symlinks of its components followed, and of its last component when
   * `followLast`. The result is clean and absolute; it may name something that does not exist yet.
   */
  resolve(path: string, followLast: boolean): string {
    const resolved: string[] = [];
    const queue = cleanPath("/" + path).split("/").filter((part) => part !== "");
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift() as string;
      if (part === ".") continue;
      if (part === "..") {
        resolved.pop();
        continue;
      }
      const candidate = `/${[...resolved, part].join("/")}`;
      const entry = this.lstat(candidate);
      if (entry?.type === "symlink" && (queue.length > 0 || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) throw new SymlinkLoopError(path);
        const target = entry.linkTarget ?? "";
        if (target.startsWith("/")) resolved.length = 0;
        queue.unshift(...target.split("/").filter((p) => p !== ""));
        continue;
      }
      resolved.push(part);
      if (!entry) {
        // Nothing more to follow: the rest does not exist yet and is kept as written.
        for (const rest of queue) {
          if (rest === "..") resolved.pop();
          else if (rest !== "." && rest !== "") resolved.push(rest);
        }
        break;
      }
    }
    return `/${resolved.join("/")}`;
  }

  /**
   * The directories `mkdir -p` of an already resolved `path` would create, outermost first (fsutil
   * copy/mkdir.go MkdirAll). A component that exists but is not a directory (after following it)
   * fails as mkdir does with ENOTDIR.
   */
  missingDirs(path: string): string[] {
    const missing: string[] = [];
    let current = "";
    for (const part of path.split("/").filter((p) => p !== "")) {
      current += `/${part}`;
      if (missing.length > 0) {
        missing.push(current);
        continue;
      }
      const entry = this.stat(current);
      if (!entry) missing.push(current);
      else if (entry.type !== "dir") throw new CopyParentNotDirError(path, current, entry.type);
    }
    return missing;
  }
}
