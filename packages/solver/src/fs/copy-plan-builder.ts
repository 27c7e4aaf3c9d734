import { CopyDestConflictError } from "./errors.js";
import { DestTree } from "./dest-tree.js";
import type { FsEntry, FsSource } from "./fs-source.js";
import type { FsIndex } from "./fs-index.js";
import type { CopyPlan, CopyPlanEntry } from "./copy-plan.js";
import { sortInWalkOrder } from "./path-order.js";

/**
 * Collects the entries of one COPY. Later sources overwrite earlier ones at the same path, as
 * BuildKit does (file over file, directory over directory); a directory against a non-directory
 * is an error, as it is for BuildKit's copier. Parent directories are implied as they are needed.
 *
 * With a base (the filesystem the COPY runs on), a parent that the base already holds as a
 * directory is written with the base's own metadata (`kept`), as BuildKit's differ writes the
 * parents of every change; only missing parents are created.
 */
export class CopyPlanBuilder {
  private readonly entries = new Map<string, CopyPlanEntry>();
  /** Hard-link group of an entry: files sharing an inode in their source. */
  private readonly groups = new Map<CopyPlanEntry, string>();
  /** The base with what this COPY has written so far on top, for resolving destinations. */
  readonly tree: DestTree;

  constructor(
    private readonly impliedDirMtimeMs: number,
    base?: FsIndex,
  ) {
    const added = (to: string): FsEntry | undefined => this.entries.get(to)?.from;
    this.tree = base ? new DestTree(base, added) : DestTree.empty(added);
  }

  /** `mkdir -p` of a resolved absolute path: its missing directories are created (implied). */
  mkdirAll(path: string, source: FsSource): void {
    for (const dir of this.tree.missingDirs(path)) {
      this.implyParents(dir, source);
      this.put({ from: this.impliedDirEntry(), source, to: dir, implied: true });
    }
  }

  /**
   * The top directory of a directory copy, which exists by now (in the base, or made by mkdirAll):
   * it keeps its mode and owner but takes the copied directory's times (fsutil copy.go copy(),
   * restoreFileTimestamp). A directory an earlier source of this COPY wrote is left as it is.
   */
  restoreDirTimes(to: string, mtimeMs: number, source: FsSource): void {
    if (to === "/") return;
    const existing = this.entries.get(to);
    if (existing && !existing.implied && !existing.kept) return;
    this.implyParents(to, source);
    const from = existing?.from ?? this.tree.lstat(to);
    if (!from) return;
    this.entries.set(to, { ...(existing ?? { source, to, kept: true as const }), from: { ...from, mtimeMs } });
  }

  /**
   * Adds a copied entry and implies its parents. `linkGroup` names the entry's hard-link group
   * within `source` (its first path), when it has more than one link there.
   */
  add(from: FsEntry, to: string, source: FsSource, linkGroup?: string, options: { unpacked?: boolean } = {}): void {
    this.implyParents(to, source);
    const entry: CopyPlanEntry = { from, source, to, ...(options.unpacked ? { unpacked: true } : {}) };
    if (linkGroup !== undefined) this.groups.set(entry, linkGroup);
    this.put(entry);
  }

  /** Takes an entry of an already built plan as it is (used to merge plans). */
  addPlanned(entry: CopyPlanEntry): void {
    this.implyParents(entry.to, entry.source);
    this.put(entry);
  }

  build(): CopyPlan {
    // Entries are put in walk order by a directory copy (FsIndex lists children in it).
    const sorted = sortInWalkOrder([...this.entries.values()], (entry) => entry.to);
    return { entries: this.repairLinks(this.linkHardlinks(sorted)) };
  }

  private implyParents(to: string, source: FsSource): void {
    // Every path in the plan has its parents in it (each one put is implied first), so the walk up
    // stops at the first parent present: one lookup for most entries of a large directory copy.
    const missing: string[] = [];
    for (let parent = to.slice(0, to.lastIndexOf("/")); parent !== "" && !this.entries.has(parent); parent = parent.slice(0, parent.lastIndexOf("/"))) {
      missing.push(parent);
    }
    for (const path of missing.reverse()) {
      const inBase = this.tree.inBase(path) ? this.tree.lstat(path) : undefined;
      if (inBase?.type === "dir") this.entries.set(path, { from: inBase, source, to: path, kept: true });
      else this.put({ from: this.impliedDirEntry(), source, to: path, implied: true });
    }
  }

  private put(entry: CopyPlanEntry): void {
    const existing = this.entries.get(entry.to);
    if (!existing) {
      this.entries.set(entry.to, entry);
      return;
    }
    const existingIsDir = existing.from.type === "dir";
    const incomingIsDir = entry.from.type === "dir";
    if (existingIsDir !== incomingIsDir) {
      throw new CopyDestConflictError(entry.to, kind(existing.from), kind(entry.from));
    }
    // An implied directory never replaces a copied or kept one; a copied one replaces both.
    if (entry.implied && !existing.implied) return;
    if (entry.kept && !existing.implied && !existing.kept) return;
    this.entries.set(entry.to, entry);
  }

  private impliedDirEntry(): FsEntry {
    return { path: "", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: this.impliedDirMtimeMs };
  }

  /**
   * Files of one hard-link group are written once: the first in the plan's order carries the
   * content, the others link to it, as BuildKit's copier does for files with more than one link.
   * Files with a single link copied twice stay two files.
   */
  private linkHardlinks(entries: CopyPlanEntry[]): CopyPlanEntry[] {
    const holders = new Map<FsSource, Map<string, string>>();
    return entries.map((entry) => {
      const group = this.groups.get(entry);
      if (group === undefined) return entry;
      let holder = holders.get(entry.source);
      if (!holder) holders.set(entry.source, (holder = new Map()));
      const first = holder.get(group);
      if (first !== undefined) return { ...entry, linkTo: first };
      holder.set(group, entry.to);
      return entry.from.type === "hardlink" ? asFile(entry) : entry;
    });
  }

  /**
   * A link whose target was overwritten by a later source (merged plans) would name the wrong
   * file; it becomes a copy of its own content instead.
   */
  private repairLinks(entries: CopyPlanEntry[]): CopyPlanEntry[] {
    const byTo = new Map(entries.map((entry) => [entry.to, entry]));
    return entries.map((entry) => {
      if (entry.linkTo === undefined) return entry;
      const target = byTo.get(entry.linkTo);
      if (target && target.source === entry.source && target.from.type === "file" && target.linkTo === undefined) return entry;
      const { linkTo: _dropped, ...rest } = entry;
      return asFile(rest);
    });
  }
}

function asFile(entry: CopyPlanEntry): CopyPlanEntry {
  const { linkTarget: _dropped, ...from } = entry.from;
  return { ...entry, from: { ...from, type: "file" } };
}

function kind(entry: FsEntry): string {
  return entry.type === "dir" ? "directory" : entry.type === "symlink" ? "symlink" : "file";
}
