import { LexError } from "./lex-error.js";

/**
 * A shell glob (`*`, `?`, `\` escapes; no bracket expressions, as in BuildKit) as a RegExp.
 * `greedy` picks `*` as longest or shortest match; `anchored` pins it to the start.
 */
export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? "^" : "";
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "*") {
      out += greedy ? ".*" : ".*?";
    } else if (ch === "?") {
      out += ".";
    } else if (ch === "\\") {
      const next = chars[i + 1];
      // `\}` and `\/` only escape the ${} syntax itself; the backslash is not part of the pattern.
      if (next === "}" || next === "/") continue;
      if (next !== "*" && next !== "?" && next !== "\\") {
        throw new LexError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${next ?? ""}'`);
      }
      out += `\\${next}`;
      i++;
    } else if ("[]{}.+()|^$".includes(ch)) {
      out += `\\${ch}`;
    } else {
      out += ch;
    }
  }
  return new RegExp(out, "u");
}

/** `${VAR#pattern}` (shortest) and `${VAR##pattern}` (longest). */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const match = shellPatternToRegExp(pattern, greedy, true).exec(value);
  return match ? value.slice(match[0].length) : value;
}

/**
 * `${VAR%pattern}` and `${VAR%%pattern}`. A RegExp cannot find the shortest rightmost match, so,
 * like BuildKit, reverse both the value and the pattern and trim a prefix instead.
 */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
}

function reverse(text: string): string {
  return Array.from(text).reverse().join("");
}

/** Reverses a pattern but keeps each `\x` escape pair in order (a\*c → c\*a). */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const tokens: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === "\\" && i < chars.length - 1) {
      tokens.push(`\\${chars[i + 1]}`);
      i++;
    } else {
      tokens.push(chars[i]!);
    }
  }
  return tokens.reverse().join("");
}
