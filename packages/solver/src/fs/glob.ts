import { InvalidPatternError } from "./errors.js";

// Go's filepath.Match syntax, translated to JS regular expressions: `*` is any run of non-"/"
// characters, `?` one non-"/" character, `[...]` a class (`^` negates, `a-z` ranges, `\` escapes),
// `\x` the literal x. Both the .dockerignore matcher and COPY's wildcard expansion build on it.

/** True when `name` has an unescaped `*`, `?` or `[` (the test BuildKit uses to split a COPY source). */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === "\\") i++;
    else if (ch === "*" || ch === "?" || ch === "[") return true;
  }
  return false;
}

/** Compiles a whole filepath.Match pattern; throws InvalidPatternError for what Go calls ErrBadPattern. */
export function compileGlob(pattern: string): RegExp {
  let source = "^";
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === "*") {
      source += "[^/]*";
      i++;
    } else if (ch === "?") {
      source += "[^/]";
      i++;
    } else if (ch === "[") {
      const cls = translateClass(pattern, i);
      source += cls.source;
      i = cls.end;
    } else if (ch === "\\") {
      if (i + 1 >= pattern.length) throw new InvalidPatternError(pattern, "trailing backslash");
      const cp = pattern.codePointAt(i + 1) as number;
      source += literal(cp);
      i += 1 + codePointLength(cp);
    } else {
      const cp = pattern.codePointAt(i) as number;
      source += literal(cp);
      i += codePointLength(cp);
    }
  }
  return new RegExp(source + "$", "u");
}

/** Checks filepath.Match syntax without keeping the result (what patternmatcher.New does). */
export function validateGlob(pattern: string): void {
  compileGlob(pattern);
}

/**
 * Translates the class that starts at pattern[start] ("[") into a JS class, following Go's
 * matchChunk: at least one range, "]" closes only after one, "-" and "]" must be escaped to be
 * literal, and the class must be closed.
 */
export function translateClass(pattern: string, start: number): { source: string; end: number } {
  let i = start + 1;
  let negated = false;
  if (pattern[i] === "^") {
    negated = true;
    i++;
  }
  let ranges = "";
  let count = 0;
  for (;;) {
    if (pattern[i] === "]" && count > 0) {
      i++;
      break;
    }
    const lo = readClassChar(pattern, i);
    let hi = lo;
    i = lo.next;
    if (pattern[i] === "-") {
      hi = readClassChar(pattern, i + 1);
      i = hi.next;
    }
    // Go accepts a reversed range and it simply matches nothing; a JS class would throw on it.
    if (lo.cp <= hi.cp) ranges += lo.cp === hi.cp ? hex(lo.cp) : `${hex(lo.cp)}-${hex(hi.cp)}`;
    count++;
  }
  // An empty JS class matches nothing and its negation matches anything: the same as Go.
  return { source: `[${negated ? "^" : ""}${ranges}]`, end: i };
}

function readClassChar(pattern: string, i: number): { cp: number; next: number } {
  const ch = pattern[i];
  if (ch === undefined || ch === "-" || ch === "]") throw new InvalidPatternError(pattern, "malformed character class");
  if (ch === "\\") i++;
  if (i >= pattern.length) throw new InvalidPatternError(pattern, "malformed character class");
  const cp = pattern.codePointAt(i) as number;
  const next = i + codePointLength(cp);
  if (next >= pattern.length) throw new InvalidPatternError(pattern, "unterminated character class");
  return { cp, next };
}

/** A literal code point as regex source, escaped when the regex syntax needs it. */
export function literal(cp: number): string {
  const ch = String.fromCodePoint(cp);
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

export function codePointLength(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}
