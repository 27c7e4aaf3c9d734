import { CopyOutsideContextError, CopySourceNotFoundError, SymlinkLoopError } from "./errors.js";
import type { FsEntry } from "./fs-source.js";
import { sortInWalkOrder } from "./path-order.js";
import { joinRelative, parentOf } from "./paths.js";

// Linux gives up after 40 links; BuildKit's RootPath (containerd/continuity) after 255. We follow
// BuildKit so a path that builds there resolves here too.
const MAX_SYMLINK_HOPS = 255;

/** The root directory, which FsSource.list() does not list. */
export const ROOT_ENTRY: FsEntry = { path: "", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0 };

/** An FsSource's listing indexed by path and by parent, with scoped symlink resolution. */
export class FsIndex {
  private readonly byPath = new Map<string, FsEntry>();
  private readonly children = new Map<string, FsEntry[]>();
  /** Paths that some "hardlink" entry names: members of a hard-link group. */
  readonly hardlinkTargets = new Set<string>();

  constructor(entries: readonly FsEntry[]) {
    for (const entry of entries) {
      this.byPath.set(entry.path, entry);
      const parent = parentOf(entry.path);
      let list = this.children.get(parent);
      if (!list) this.children.set(parent, (list = []));
      list.push(entry);
      if (entry.type === "hardlink" && entry.linkTarget !== undefined) this.hardlinkTargets.add(entry.linkTarget);
    }
    // Only siblings need ordering; a listing in byte order (walkContext's) has them in walk order
    // already, so a large context is not sorted again.
    for (const list of this.children.values()) sortInWalkOrder(list, (entry) => entry.path);
  }

  /** The hard-link group of an entry (its first path) when the file has more than one link. */
  linkGroupOf(entry: FsEntry): string | undefined {
    if (entry.type === "hardlink") return entry.linkTarget;
    if (entry.type === "file" && this.hardlinkTargets.has(entry.path)) return entry.path;
    return undefined;
  }

  /**
   * This filesystem with a layer's entries applied as a tar extraction applies them: an entry
   * replaces what is at its path (a directory's metadata included), and a non-directory, or a
   * directory where a non-directory was, first removes whatever was there with its subtree.
   */
  withChanges(changes: readonly FsEntry[]): FsIndex {
    const next = new Map(this.byPath);
    for (const change of changes) {
      const existing = next.get(change.path);
      if (existing && (change.type !== "dir" || existing.type !== "dir")) {
        const prefix = `${change.path}/`;
        for (const key of next.keys()) if (key.startsWith(prefix)) next.delete(key);
      }
      next.set(change.path, change);
    }
    return new FsIndex([...next.values()]);
  }

  get(path: string): FsEntry | undefined {
    return path === "" ? ROOT_ENTRY : this.byPath.get(path);
  }

  /** Direct children of a directory, in walk order. */
  childrenOf(dir: string): readonly FsEntry[] {
    return this.children.get(dir) ?? [];
  }

  /**
   * Resolves a clean relative path the way BuildKit's RootPath does, following symlinks in every
   * component (and in the last one when `followLast`): an absolute target restarts at this root,
   * never at the host's. Unlike RootPath, climbing above the root with ".." is refused rather than
   * clamped, since it names something outside what is being copied from.
   * Returns the resolved path ("" is the root) or undefined when a component does not exist.
   * `source` only names the COPY source in errors.
   */
  resolve(path: string, followLast: boolean, source: string): string | undefined {
    const resolved: string[] = [];
    const queue = path === "" ? [] : path.split("/");
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift() as string;
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (resolved.length === 0) throw new CopyOutsideContextError(source, `a symlink on the way climbs above the root`);
        resolved.pop();
        continue;
      }
      const candidate = joinRelative(resolved.join("/"), part);
      const entry = this.byPath.get(candidate);
      if (!entry) return undefined;
      if (entry.type === "symlink" && (queue.length > 0 || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) throw new SymlinkLoopError(source);
        const target = entry.linkTarget ?? "";
        if (target.startsWith("/")) resolved.length = 0;
        queue.unshift(...target.split("/"));
        continue;
      }
      if (queue.length > 0 && entry.type !== "dir") {
        // A file used as a directory ("file.txt/x"): ENOTDIR, reported as not found.
        throw new CopySourceNotFoundError(source, `${JSON.stringify(candidate)} is not a directory`);
      }
      resolved.push(part);
    }
    return resolved.join("/");
  }
}
