import { CopyDestConflictError } from "./errors.js";
import type { FsEntry, FsSource } from "./fs-source.js";
import type { CopyPlan, CopyPlanEntry } from "./copy-plan.js";
import { compareWalkOrder } from "./path-order.js";
import { ancestorsOf } from "./paths.js";

/**
 * Collects the entries of one COPY. Later sources overwrite earlier ones at the same path, as
 * BuildKit does (file over file, directory over directory); a directory against a non-directory
 * is an error, as it is for BuildKit's copier. Parent directories are implied as they are needed.
 */
export class CopyPlanBuilder {
  private readonly entries = new Map<string, CopyPlanEntry>();
  /** Hard-link group of an entry: files sharing an inode in their source. */
  private readonly groups = new Map<CopyPlanEntry, string>();

  constructor(private readonly impliedDirMtimeMs: number) {}

  /**
   * Adds a copied entry and implies its parents. `linkGroup` names the entry's hard-link group
   * within `source` (its first path), when it has more than one link there.
   */
  add(from: FsEntry, to: string, source: FsSource, linkGroup?: string): void {
    this.implyParents(to, source);
    const entry: CopyPlanEntry = { from, source, to };
    if (linkGroup !== undefined) this.groups.set(entry, linkGroup);
    this.put(entry);
  }

  /** Implies a directory COPY creates (the destination of a directory source) and its parents. */
  implyDir(to: string, source: FsSource): void {
    if (to === "/") return;
    this.implyParents(to, source);
    this.put({ from: this.impliedDirEntry(), source, to, implied: true });
  }

  /** Takes an entry of an already built plan as it is (used to merge plans). */
  addPlanned(entry: CopyPlanEntry): void {
    this.implyParents(entry.to, entry.source);
    this.put(entry);
  }

  build(): CopyPlan {
    const sorted = [...this.entries.values()].sort((a, b) => compareWalkOrder(a.to, b.to));
    return { entries: this.repairLinks(this.linkHardlinks(sorted)) };
  }

  private implyParents(to: string, source: FsSource): void {
    for (const parent of ancestorsOf(to.slice(1))) {
      this.put({ from: this.impliedDirEntry(), source, to: `/${parent}`, implied: true });
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
    // An implied directory never replaces a copied one; a copied one replaces an implied one.
    if (entry.implied && !existing.implied) return;
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
