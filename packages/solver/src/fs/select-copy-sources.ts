import { throwIfAborted } from "@exp/errors";
import { CopyDestNotDirError, CopyDirOntoNonDirError, CopyFileOntoDirError, CopySourceNotFoundError } from "./errors.js";
import { CopyPlanBuilder } from "./copy-plan-builder.js";
import type { CopyPlan } from "./copy-plan.js";
import { imagePath, resolveDestination, sourceRelativePath } from "./copy-paths.js";
import { FsIndex } from "./fs-index.js";
import type { FsEntry, FsSource } from "./fs-source.js";
import { containsWildcards } from "./glob.js";
import { createIgnoreMatcher, type IgnoreMatcher } from "./ignore-matcher.js";
import { ancestorsOf, baseName, joinRelative, parentOf } from "./paths.js";
import { expandWildcards } from "./wildcards.js";

export interface SelectCopySourcesOptions {
  /** The stage's WORKDIR; a relative destination is relative to it. */
  workdir: string;
  /** COPY --exclude patterns (.dockerignore syntax), matched against paths inside each source. */
  exclude?: string[];
  /** COPY --parents: keep each source's path below the root (or below a "/./" pivot) under dest. */
  parents?: boolean;
  /**
   * A wildcard that matches nothing is skipped silently, as the Dockerfile front end asks of
   * BuildKit (AllowEmptyWildcard). Set false to make it ERR_COPY_SOURCE_NOT_FOUND instead.
   */
  allowEmptyWildcard?: boolean;
  /**
   * The filesystem the COPY runs on (its base's listing), for placing files as BuildKit's copier
   * does: symlinks on the way to the destination are followed inside the image, a file copied to
   * an existing directory goes inside it, existing directories keep their metadata, and a
   * directory is never copied over a file or symlink. Without it the COPY is placed on an empty
   * filesystem (FROM scratch, --link, or a cache key that must not depend on the base).
   */
  onto?: FsIndex;
  /** mtime (ms) of the parent directories COPY creates; 0 by default, so plans are reproducible. */
  impliedDirMtimeMs?: number;
  /**
   * ADD's archive rule: for each source that is not a directory, the archive's entries when it is
   * one (see openArchive), which are then extracted into the destination instead of copying the file.
   */
  unpack?: (entry: FsEntry, source: FsSource) => Promise<FsSource | undefined>;
  signal?: AbortSignal;
}

interface Match {
  /** The source as written, for errors. */
  source: string;
  /** The matched path, symlinks in its last component not yet followed. */
  path: string;
}

/**
 * Decides what one COPY instruction copies and where, following BuildKit's Dockerfile front end
 * and its copier (tonistiigi/fsutil copy):
 * - sources are relative to the source root and may not climb out of it (ERR_COPY_OUTSIDE_CONTEXT);
 * - wildcards (Go filepath.Match per component) expand in walk order; a matched directory is not
 *   searched further; an empty match is skipped (see allowEmptyWildcard); a plain source that does
 *   not exist is ERR_COPY_SOURCE_NOT_FOUND;
 * - symlinks on the way to a source, and a source that is itself a symlink, are followed inside the
 *   root (absolute targets restart at the root); symlinks inside a copied directory stay symlinks;
 * - a directory source copies its contents into dest; a file goes to dest, or to dest/<name> when
 *   dest is a directory (spelled with "/", or several sources); several sources and a dest without
 *   "/" is ERR_COPY_DEST_NOT_DIR (the check Docker has always made);
 * - --exclude patterns are matched against paths relative to each source (a top-level source is
 *   never excluded itself: BuildKit matches only what is inside it), with .dockerignore rules;
 * - --parents copies, for "a/./b/c" or "b/c", the path "b/c" (a pattern, with "**") relative to
 *   the pivot "a" (or the root) to dest/b/c, creating b with its source metadata.
 */
export async function selectCopySources(
  fs: FsSource,
  sources: readonly string[],
  dest: string,
  options: SelectCopySourcesOptions,
): Promise<CopyPlan> {
  const { signal } = options;
  throwIfAborted(signal, "selecting COPY sources");
  const exclude = options.exclude && options.exclude.length > 0 ? createIgnoreMatcher(options.exclude) : undefined;
  const destination = resolveDestination(dest, options.workdir);
  const index = new FsIndex(await fs.list(signal ? { signal } : {}));
  const builder = new CopyPlanBuilder(options.impliedDirMtimeMs ?? 0, options.onto);

  if (options.parents) {
    for (const source of sources) {
      throwIfAborted(signal, "selecting COPY sources");
      copyWithParents(fs, index, builder, source, destination, exclude);
    }
    return builder.build();
  }

  const matches: Match[] = [];
  for (const source of sources) {
    const rel = sourceRelativePath(source);
    if (!containsWildcards(rel)) {
      matches.push({ source, path: rel });
      continue;
    }
    const found = expandWildcards(index, rel, source);
    if (found.length === 0 && options.allowEmptyWildcard === false) throw new CopySourceNotFoundError(source, "no path matches");
    for (const path of found) matches.push({ source, path });
  }

  if (matches.length > 1 && !destination.dirSyntax && builder.tree.stat(destination.path)?.type !== "dir") {
    throw new CopyDestNotDirError(dest, matches.length);
  }

  for (const match of matches) {
    throwIfAborted(signal, "selecting COPY sources");
    const resolved = index.resolve(match.path, true, match.source);
    const entry = resolved === undefined ? undefined : index.get(resolved);
    if (resolved === undefined || !entry) throw new CopySourceNotFoundError(match.source, danglingLinkDetail(index, match.path));
    const archive = entry.type !== "dir" && options.unpack ? await options.unpack(entry, fs) : undefined;
    if (archive) {
      await placeArchive(builder, fs, destination, archive, signal);
    } else if (entry.type === "dir") {
      placeDirectory(builder, fs, destination, entry, selectInside(index, resolved, () => true, exclude), index);
    } else {
      const to = prepareTarget(builder, fs, destination, false, baseName(match.path));
      const there = builder.tree.lstat(to);
      // fsutil copy.go ensureEmptyFileTarget: a file or symlink is replaced, a directory never is.
      if (there?.type === "dir") throw new CopyFileOntoDirError(to, entry.type);
      builder.add(entry, to, fs, index.linkGroupOf(entry));
    }
  }
  return builder.build();
}

/**
 * Where one source goes, following fsutil's copy.go Copy and prepareTargetDir: the destination's
 * parent (the destination itself when spelled as a directory) is resolved through the image's
 * symlinks and created; then a file whose destination is an existing directory goes inside it
 * under its own name, and a directory copies its contents onto the destination. The directories
 * the target needs are created (mkdir -p); existing ones are left as they are.
 */
function prepareTarget(builder: CopyPlanBuilder, fs: FsSource, destination: { path: string; dirSyntax: boolean }, sourceIsDir: boolean, sourceName: string): string {
  const { tree } = builder;
  const ensure = destination.dirSyntax ? destination.path : absoluteParent(destination.path);
  builder.mkdirAll(tree.resolve(ensure, true), fs);
  let target = tree.resolve(destination.path, true);
  const existing = tree.stat(target);
  if (!sourceIsDir && existing?.type === "dir") target = imagePath(target, sourceName);
  builder.mkdirAll(sourceIsDir && !existing ? target : absoluteParent(target), fs);
  return target;
}

/**
 * A directory's contents onto the destination (Docker's COPY copies what is inside a directory).
 * Below the top, paths are not resolved through the image's symlinks: fsutil's copier refuses a
 * directory over a file or symlink ("cannot copy to non-directory") and a file over a directory.
 */
function placeDirectory(
  builder: CopyPlanBuilder,
  fs: FsSource,
  destination: { path: string; dirSyntax: boolean },
  dir: FsEntry,
  inside: Array<{ entry: FsEntry; rel: string }>,
  index: FsIndex,
): void {
  const { tree } = builder;
  const top = prepareTarget(builder, fs, destination, true, "");
  const there = tree.lstat(top);
  if (there && there.type !== "dir") throw new CopyDirOntoNonDirError(top, there.type, there.linkTarget);
  builder.restoreDirTimes(top, dir.mtimeMs, fs);
  for (const { entry: child, rel } of inside) {
    const to = imagePath(top, rel);
    const existing = tree.lstat(to);
    if (existing && child.type === "dir" && existing.type !== "dir") throw new CopyDirOntoNonDirError(to, existing.type, existing.linkTarget);
    if (existing && child.type !== "dir" && existing.type === "dir") throw new CopyFileOntoDirError(to, child.type);
    builder.add(child, to, fs, index.linkGroupOf(child));
  }
}

/**
 * An archive's entries into the destination, as BuildKit's unpack (solver/llbsolver/file/unpack.go)
 * does: the destination is a directory whatever its spelling (MkdirAll), entries go below it by
 * their names, and go-archive's rules for what is there already apply: a directory onto a
 * directory merges, anything else replaces a file or symlink; a file over a directory, which
 * go-archive would delete first, is refused here as it is for COPY. --chmod does not apply to
 * extracted entries (unpack takes only the owner); --chown does.
 */
async function placeArchive(builder: CopyPlanBuilder, fs: FsSource, destination: { path: string; dirSyntax: boolean }, archive: FsSource, signal: AbortSignal | undefined): Promise<void> {
  const { tree } = builder;
  const top = prepareTarget(builder, fs, { path: destination.path, dirSyntax: true }, true, "");
  const there = tree.lstat(top);
  if (there && there.type !== "dir") throw new CopyDirOntoNonDirError(top, there.type, there.linkTarget);
  const entries = await archive.list(signal ? { signal } : {});
  const index = new FsIndex(entries);
  for (const entry of entries) {
    const to = imagePath(top, entry.path);
    const existing = tree.lstat(to);
    if (existing && entry.type === "dir" && existing.type !== "dir") throw new CopyDirOntoNonDirError(to, existing.type, existing.linkTarget);
    if (existing && entry.type !== "dir" && existing.type === "dir") throw new CopyFileOntoDirError(to, entry.type);
    builder.add(entry, to, archive, index.linkGroupOf(entry), { unpacked: true });
  }
}

function absoluteParent(path: string): string {
  return `/${parentOf(path.slice(1))}`;
}

/**
 * Why a source that is there is "not found" all the same: it is a symlink whose target, resolved
 * inside the root as BuildKit does (an absolute target from the root), is not in the context.
 * Without this, `COPY link` of `link -> /etc/passwd` reads as a missing file.
 */
function danglingLinkDetail(index: FsIndex, path: string): string | undefined {
  const link = index.get(path);
  if (link?.type !== "symlink") return undefined;
  return `it is a symbolic link to ${JSON.stringify(link.linkTarget ?? "")}, which is not in the build context (a symlink is resolved inside the context, an absolute target from its root)`;
}

function copyWithParents(fs: FsSource, index: FsIndex, builder: CopyPlanBuilder, source: string, destination: { path: string; dirSyntax: boolean }, exclude?: IgnoreMatcher): void {
  // dockerfile2llb: an optional "/./" marks the pivot; what follows it is kept below dest.
  const pivotAt = source.indexOf("/./");
  const pivot = pivotAt < 0 ? "" : source.slice(0, pivotAt);
  const pattern = sourceRelativePath(pivotAt < 0 ? source : source.slice(pivotAt + 3));
  const base = index.resolve(sourceRelativePath(pivot), true, source);
  const baseEntry = base === undefined ? undefined : index.get(base);
  if (base === undefined || baseEntry?.type !== "dir") throw new CopySourceNotFoundError(source, `${JSON.stringify(pivot || "/")} is not a directory`);
  // Only a pattern without wildcards names a path that must exist (BuildKit's RequiredPaths).
  if (!containsWildcards(source) && pattern !== "" && !index.get(joinRelative(base, pattern))) {
    throw new CopySourceNotFoundError(source);
  }
  const include = pattern === "" ? undefined : createIgnoreMatcher([pattern]);
  const included = include ? (rel: string, isDir: boolean) => include.ignores(rel, isDir) : () => true;
  // dockerfile2llb copies the pivot directory's contents with include patterns, so the placement is a directory copy's.
  placeDirectory(builder, fs, destination, baseEntry, selectInside(index, base, included, exclude), index);
}

/**
 * Entries below `dir` (not following symlinks) that are included and not excluded, plus the
 * directories on the way to them, which are copied with their own metadata even when excluded
 * (BuildKit's copier creates them lazily for the same reason). Paths are relative to `dir`.
 */
function selectInside(
  index: FsIndex,
  dir: string,
  included: (rel: string, isDir: boolean) => boolean,
  exclude: IgnoreMatcher | undefined,
): Array<{ entry: FsEntry; rel: string }> {
  const chosen = new Map<string, FsEntry>();
  const prefix = dir === "" ? 0 : dir.length + 1;
  let leftOut = false;
  const visit = (parent: string): void => {
    for (const entry of index.childrenOf(parent)) {
      const rel = entry.path.slice(prefix);
      const isDir = entry.type === "dir";
      const excluded = exclude?.ignores(rel, isDir) ?? false;
      if (!excluded && included(rel, isDir)) chosen.set(rel, entry);
      else leftOut = true;
      if (!isDir) continue;
      // An excluded directory is still searched when an exception could re-include something in it.
      if (excluded && !(exclude as IgnoreMatcher).mayMatchInside(rel)) continue;
      visit(entry.path);
    }
  };
  visit(dir);
  // Everything chosen (a plain `COPY . dest`): each directory was chosen before its children.
  if (!leftOut) return [...chosen].map(([rel, entry]) => ({ entry, rel }));
  for (const rel of [...chosen.keys()]) {
    for (const ancestor of ancestorsOf(rel)) {
      if (chosen.has(ancestor)) continue;
      const entry = index.get(joinRelative(dir, ancestor));
      if (entry) chosen.set(ancestor, entry);
    }
  }
  return [...chosen].map(([rel, entry]) => ({ entry, rel }));
}
