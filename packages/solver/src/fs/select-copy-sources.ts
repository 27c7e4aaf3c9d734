import { throwIfAborted } from "@exp/errors";
import { CopyDestNotDirError, CopySourceNotFoundError } from "./errors.js";
import { CopyPlanBuilder } from "./copy-plan-builder.js";
import type { CopyPlan } from "./copy-plan.js";
import { imagePath, resolveDestination, sourceRelativePath } from "./copy-paths.js";
import { FsIndex } from "./fs-index.js";
import type { FsEntry, FsSource } from "./fs-source.js";
import { containsWildcards } from "./glob.js";
import { createIgnoreMatcher, type IgnoreMatcher } from "./ignore-matcher.js";
import { ancestorsOf, baseName, joinRelative } from "./paths.js";
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
   * Whether `path` is already a directory in the image being copied into. A destination spelled
   * without "/" that is an existing directory receives files inside it, as in BuildKit. Without
   * this hook only the spelling decides.
   */
  destIsDir?: (path: string) => boolean;
  /** mtime (ms) of the parent directories COPY creates; 0 by default, so plans are reproducible. */
  impliedDirMtimeMs?: number;
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
  const builder = new CopyPlanBuilder(options.impliedDirMtimeMs ?? 0);

  if (options.parents) {
    for (const source of sources) {
      throwIfAborted(signal, "selecting COPY sources");
      copyWithParents(fs, index, builder, source, destination.path, exclude);
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

  const destIsDir = destination.dirSyntax || (options.destIsDir?.(destination.path) ?? false);
  if (matches.length > 1 && !destIsDir) throw new CopyDestNotDirError(dest, matches.length);

  for (const match of matches) {
    throwIfAborted(signal, "selecting COPY sources");
    const resolved = index.resolve(match.path, true, match.source);
    const entry = resolved === undefined ? undefined : index.get(resolved);
    if (resolved === undefined || !entry) throw new CopySourceNotFoundError(match.source, danglingLinkDetail(index, match.path));
    if (entry.type === "dir") {
      builder.implyDir(destination.path, fs);
      for (const { entry: child, rel } of selectInside(index, resolved, () => true, exclude)) {
        builder.add(child, imagePath(destination.path, rel), fs, index.linkGroupOf(child));
      }
    } else {
      builder.add(entry, destIsDir ? imagePath(destination.path, baseName(match.path)) : destination.path, fs, index.linkGroupOf(entry));
    }
  }
  return builder.build();
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

function copyWithParents(fs: FsSource, index: FsIndex, builder: CopyPlanBuilder, source: string, destPath: string, exclude?: IgnoreMatcher): void {
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
  builder.implyDir(destPath, fs);
  for (const { entry, rel } of selectInside(index, base, included, exclude)) {
    builder.add(entry, imagePath(destPath, rel), fs, index.linkGroupOf(entry));
  }
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
  const visit = (parent: string): void => {
    for (const entry of index.childrenOf(parent)) {
      const rel = entry.path.slice(prefix);
      const isDir = entry.type === "dir";
      const excluded = exclude?.ignores(rel, isDir) ?? false;
      if (!excluded && included(rel, isDir)) chosen.set(rel, entry);
      if (!isDir) continue;
      // An excluded directory is still searched when an exception could re-include something in it.
      if (excluded && !(exclude as IgnoreMatcher).mayMatchInside(rel)) continue;
      visit(entry.path);
    }
  };
  visit(dir);
  for (const rel of [...chosen.keys()]) {
    for (const ancestor of ancestorsOf(rel)) {
      if (chosen.has(ancestor)) continue;
      const entry = index.get(joinRelative(dir, ancestor));
      if (entry) chosen.set(ancestor, entry);
    }
  }
  return [...chosen].map(([rel, entry]) => ({ entry, rel }));
}
