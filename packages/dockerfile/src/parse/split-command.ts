/** A flag word as written (`--from=build`, quotes already removed) and where it starts in the line. */
export interface FlagText {
  text: string;
  start: number;
}

/** An instruction line cut into its name, its leading `--flags` and the rest. */
export interface SplitCommand {
  keyword: string;
  keywordStart: number;
  flags: FlagText[];
  /** Everything after the flags, trimmed. */
  args: string;
  /** Index of `args` in the line (the line's end when there are no args). */
  argsStart: number;
}

const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);
const isTokenSpace = (ch: string | undefined): boolean => ch !== undefined && /[\t\v\f\r ]/.test(ch);

/**
 * BuildKit's splitCommand: the first word is the instruction; then words starting with `--` are
 * flags until the first word that does not (or a bare `--`). Returns undefined for a blank line.
 */
export function splitCommand(line: string, from = 0): SplitCommand | undefined {
  let start = from;
  while (isSpace(line[start])) start++;
  if (start >= line.length) return undefined;
  let end = start;
  while (end < line.length && !isTokenSpace(line[end])) end++;
  const keyword = line.slice(start, end);
  let restStart = end;
  while (isTokenSpace(line[restStart])) restStart++;
  const { flags, argsStart } = extractFlags(line, restStart);
  let argsEnd = line.length;
  while (argsEnd > argsStart && isSpace(line[argsEnd - 1])) argsEnd--;
  let trimmedStart = argsStart;
  while (trimmedStart < argsEnd && isSpace(line[trimmedStart])) trimmedStart++;
  return { keyword, keywordStart: start, flags, args: line.slice(trimmedStart, argsEnd), argsStart: trimmedStart };
}

/**
 * Port of BuildKit's extractBuilderFlags. Inside a flag word, quotes group text and are removed,
 * and a backslash (always a backslash, whatever the escape directive) escapes the next character.
 */
function extractFlags(line: string, from: number): { flags: FlagText[]; argsStart: number } {
  const flags: FlagText[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let word = "";
  let wordStart = from;
  let quote = "";
  let blankOk = false;
  for (let pos = from; pos <= line.length; pos++) {
    const atEnd = pos === line.length;
    const ch = line[pos] ?? "";
    if (phase === "spaces") {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      if (ch !== "-" || line[pos + 1] !== "-") return { flags, argsStart: pos };
      phase = "word";
      wordStart = pos;
    }
    if (atEnd) {
      if (word !== "--" && (blankOk || word.length > 0)) flags.push({ text: word, start: wordStart });
      break;
    }
    if (phase === "word") {
      if (isSpace(ch)) {
        phase = "spaces";
        if (word === "--") return { flags, argsStart: pos };
        if (blankOk || word.length > 0) flags.push({ text: word, start: wordStart });
        word = "";
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = "quote";
        continue;
      }
      if (ch === "\\") {
        if (pos + 1 === line.length) continue;
        pos++;
      }
      word += line[pos];
      continue;
    }
    if (ch === quote) {
      phase = "word";
      continue;
    }
    if (ch === "\\") {
      if (pos + 1 === line.length) {
        phase = "word";
        continue;
      }
      pos++;
    }
    word += line[pos];
  }
  return { flags, argsStart: line.length };
}
