import { CopySourceNotFoundError } from "./errors.js";
import type { FsIndex } from "./fs-index.js";
import { compileGlob, containsWildcards } from "./glob.js";
import { joinRelative } from "./paths.js";

/**
 * Expands a COPY source with wildcards as fsutil's ResolveWildcards does: the components before
 * the first wildcard are a fixed directory (symlinks followed), the rest a filepath.Match pattern
 * tested against paths below it in walk order; a matching directory is not searched further.
 * Returns matched paths relative to the root (symlinks in them not followed). A fixed directory
 * that does not exist is an error, as BuildKit's walk of it fails.
 */
export function expandWildcards(index: FsIndex, rel: string, source: string): string[] {
  const parts = rel.split("/");
  const first = parts.findIndex((part) => containsWildcards(part));
  const fixed = parts.slice(0, first).join("/");
  const pattern = parts.slice(first).join("/");
  const base = index.resolve(fixed, true, source);
  if (base === undefined) throw new CopySourceNotFoundError(source, `${JSON.stringify(fixed)} does not exist`);
  const regexp = compileGlob(pattern);
  const depth = parts.length - first;
  const prefix = base === "" ? 0 : base.length + 1;
  const matches: string[] = [];
  const visit = (dir: string, level: number): void => {
    for (const entry of index.childrenOf(dir)) {
      const relative = entry.path.slice(prefix);
      if (regexp.test(relative)) {
        matches.push(joinRelative(base, relative));
        continue;
      }
      // "*" never matches "/", so a path deeper than the pattern cannot match.
      if (entry.type === "dir" && level < depth) visit(entry.path, level + 1);
    }
  };
  if (index.get(base)?.type === "dir") visit(base, 1);
  return matches;
}
