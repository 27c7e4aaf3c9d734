import { InvalidPatternError } from "./errors.js";
import { codePointLength, compileGlob, literal, translateClass, validateGlob } from "./glob.js";
import { cleanPath } from "./paths.js";

/**
 * Decides which paths a .dockerignore (or COPY --exclude) list removes, with the semantics of
 * moby/patternmatcher's MatchesOrParentMatches:
 * - patterns are trimmed and cleaned (`./a`, `a/../b`, `a/` all mean what Go's filepath.Clean makes of them);
 * - `*` `?` `[...]` work within one path component, `**` spans any number of components;
 * - a pattern that matches a directory matches everything below it;
 * - `!pattern` re-includes; the last pattern that matches a path decides.
 * Paths passed in are relative to the context, "/"-separated, without a leading "./".
 *
 * The Dockerfile and .dockerignore are matched like any other path. BuildKit's front end still
 * reads them when they are ignored (they are just not sent as context); that is the caller's concern.
 */
export interface IgnoreMatcher {
  /** True when the path is excluded. `isDir` is accepted for callers' symmetry; Docker's rules do not use it. */
  ignores(relPath: string, isDir: boolean): boolean;
  /**
   * For a directory that `ignores` excludes: false when no exception (`!`) pattern could re-include
   * anything below it, so a walker may skip the whole subtree. True is always safe.
   */
  mayMatchInside(dirRelPath: string): boolean;
  /** True when at least one `!` pattern exists. */
  readonly hasExceptions: boolean;
  /**
   * The index (in the patterns given) of the pattern that excludes `relPath`, or undefined when the
   * path is not excluded: what an error can point at ("excluded by .dockerignore line 3").
   */
  excludedBy(relPath: string): number | undefined;
}

type MatchType = "exact" | "prefix" | "suffix" | "regexp";

interface CompiledPattern {
  /** Position in the list given to createIgnoreMatcher. */
  index: number;
  /** The cleaned pattern without its "!". */
  text: string;
  exclusion: boolean;
  type: MatchType;
  regexp?: RegExp;
}

/** Builds a matcher; throws InvalidPatternError (ERR_INVALID_PATTERN) naming the first bad pattern. */
export function createIgnoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled: CompiledPattern[] = [];
  for (const [index, raw] of patterns.entries()) {
    let text = raw.trim();
    if (text === "") continue;
    text = cleanPath(text);
    let exclusion = false;
    if (text.startsWith("!")) {
      if (text.length === 1) throw new InvalidPatternError(raw, 'a lone "!" excludes nothing');
      exclusion = true;
      text = text.slice(1);
    }
    validateGlob(text);
    compiled.push({ index, text, exclusion, ...compilePattern(text) });
  }
  const exceptions = compiled.filter((p) => p.exclusion);
  return {
    hasExceptions: exceptions.length > 0,
    ignores: (relPath) => decidingPattern(compiled, relPath) !== undefined,
    excludedBy: (relPath) => decidingPattern(compiled, relPath)?.index,
    mayMatchInside: (dirRelPath) => exceptions.some((p) => couldMatchBelow(p.text, cleanPath(dirRelPath))),
  };
}

/** The pattern whose match left `relPath` excluded (the last one that flipped it), if it is. */
function decidingPattern(patterns: readonly CompiledPattern[], relPath: string): CompiledPattern | undefined {
  // No .dockerignore (the common case): nothing to clean or split, for each of a context's paths.
  if (patterns.length === 0) return undefined;
  const file = cleanPath(relPath);
  // "Don't let them exclude everything" (patternmatcher): the context root is never ignored.
  if (file === ".") return undefined;
  const slash = file.lastIndexOf("/");
  const parents = slash < 0 ? [] : parentPrefixes(file.slice(0, slash));
  let decided: CompiledPattern | undefined;
  for (const pattern of patterns) {
    // Only a pattern that could flip the current answer needs evaluating (same shortcut as Go).
    if (pattern.exclusion !== (decided !== undefined)) continue;
    let match = matchOne(pattern, file);
    if (!match) match = parents.some((parent) => matchOne(pattern, parent));
    if (match) decided = pattern.exclusion ? undefined : pattern;
  }
  return decided;
}

function parentPrefixes(parent: string): string[] {
  const parts = parent.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

function matchOne(pattern: CompiledPattern, path: string): boolean {
  switch (pattern.type) {
    case "exact":
      return path === pattern.text;
    case "prefix":
      return path.startsWith(pattern.text.slice(0, -2));
    case "suffix": {
      const suffix = pattern.text.slice(2);
      return path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1));
    }
    case "regexp":
      return (pattern.regexp as RegExp).test(path);
  }
}

/**
 * patternmatcher's compile: the pattern becomes a regexp, except for three fast paths whose
 * results differ slightly from the regexp (e.g. "**foo" also matches "barfoo"); we keep those
 * quirks so a .dockerignore excludes exactly what Docker excludes.
 */
function compilePattern(text: string): { type: MatchType; regexp?: RegExp } {
  let source = "^";
  let type: MatchType = "exact";
  let i = 0;
  for (let token = 0; i < text.length; token++) {
    const ch = text[i] as string;
    if (ch === "*") {
      if (text[i + 1] === "*") {
        i += 2;
        if (text[i] === "/") i++;
        if (i >= text.length) {
          if (type === "exact") type = "prefix";
          else {
            source += ".*";
            type = "regexp";
          }
        } else {
          source += "(.*/)?";
          type = "regexp";
        }
        if (token === 0) type = "suffix";
      } else {
        source += "[^/]*";
        type = "regexp";
        i++;
      }
    } else if (ch === "?") {
      source += "[^/]";
      type = "regexp";
      i++;
    } else if (ch === "\\") {
      if (i + 1 < text.length) {
        const cp = text.codePointAt(i + 1) as number;
        source += literal(cp);
        i += 1 + codePointLength(cp);
        type = "regexp";
      } else {
        source += "\\\\";
        i++;
      }
    } else if (ch === "[") {
      const cls = translateClass(text, i);
      source += cls.source;
      i = cls.end;
      type = "regexp";
    } else if (ch === "]") {
      source += "\\]";
      type = "regexp";
      i++;
    } else {
      const cp = text.codePointAt(i) as number;
      source += literal(cp);
      i += codePointLength(cp);
    }
  }
  if (type !== "regexp") return { type };
  return { type, regexp: new RegExp(source + "$", "u") };
}

/**
 * Whether an exception pattern could match some path strictly below `dir`. A path below `dir` is
 * re-included only by an exception that matches it (or one of its ancestors below `dir`); an
 * exception matching `dir` or above already counted when `dir` itself was judged. We compare
 * component by component and give up (answer true) at the first `**`, which can span anything.
 */
function couldMatchBelow(pattern: string, dir: string): boolean {
  if (dir === ".") return true;
  const parts = pattern.split("/");
  const dirParts = dir.split("/");
  for (let i = 0; ; i++) {
    const part = parts[i];
    if (part === undefined) return false;
    if (part.includes("**")) return true;
    const dirPart = dirParts[i];
    if (dirPart === undefined) return true;
    if (!componentMatches(part, dirPart)) return false;
  }
}

function componentMatches(part: string, name: string): boolean {
  try {
    return compileGlob(part).test(name);
  } catch {
    // A component cut out of a valid pattern can look malformed (an escaped "/"); stay conservative.
    return true;
  }
}
