import { LexError } from "../expand/lex-error.js";
import { lexWord } from "../expand/shell-lexer.js";

/** What a `<<EOF` word says about the heredoc that follows the instruction. */
export interface HeredocMarker {
  name: string;
  expand: boolean;
  chomp: boolean;
}

const markerPattern = /^(\d*)<<(-?)\s*([^<]*)$/;
const noVariables = (): undefined => undefined;

/**
 * BuildKit's ParseHeredoc: `<<EOF`, `<<-EOF` (strip leading tabs), `<<"EOF"`/`<<'EOF'` (quoted:
 * the body is not expanded), optionally after a file descriptor (`2<<EOF`) and with spaces
 * before the delimiter (`<< EOF`). Undefined for words
 * that are not heredoc markers. Throws LexError for an unterminated quote in the delimiter.
 */
export function parseHeredocMarker(word: string): HeredocMarker | undefined {
  const match = markerPattern.exec(word);
  const rest = match?.[3];
  if (!match || !rest) return undefined;
  const options = { escape: "\\", skipUnsetEnv: true };
  const words = lexWord(rest, noVariables, options).words;
  if (words.length !== 1) return undefined;
  const raw = lexWord(rest, noVariables, { ...options, rawQuotes: true }).words;
  if (raw.length !== 1) throw new LexError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const name = words[0]!;
  // Quotes anywhere in the delimiter disable expansion: processing removed some, raw kept them.
  const expand = countQuotes(name) === countQuotes(raw[0]!);
  return { name, expand, chomp: match[2] === "-" };
}

function countQuotes(text: string): number {
  return (text.match(/['"]/g) ?? []).length;
}
