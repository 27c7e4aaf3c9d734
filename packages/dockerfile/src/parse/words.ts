/** A word of an instruction's arguments and its index in the logical line. */
export interface TextSpan {
  value: string;
  start: number;
}

const separator = /[\t\v\f\r ]+/g;

/**
 * Splits on runs of spaces and tabs, ignoring quotes: how BuildKit splits FROM, EXPOSE, and the
 * shell form of COPY, ADD and VOLUME (so paths with spaces need the JSON form, as in Docker).
 */
export function splitOnWhitespace(text: string, offset: number): TextSpan[] {
  const spans: TextSpan[] = [];
  let last = 0;
  for (const match of text.matchAll(separator)) {
    if (match.index > last) spans.push({ value: text.slice(last, match.index), start: offset + last });
    last = match.index + match[0].length;
  }
  if (last < text.length) spans.push({ value: text.slice(last), start: offset + last });
  return spans;
}

/**
 * BuildKit's parseWords, used by ENV, LABEL and ARG: splits on whitespace outside quotes and
 * keeps the quotes and escapes in each word, which variable expansion processes later.
 */
export function parseWords(text: string, offset: number, escape: string): TextSpan[] {
  const words: TextSpan[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let quote = "";
  let blankOk = false;
  let word = "";
  let wordStart = 0;
  const chars = Array.from(text);
  let index = 0;
  const push = (): void => {
    if (blankOk || word.length > 0) words.push({ value: word, start: offset + wordStart });
  };
  /** Keeps the escape at `i` and the character after it in the word (drops a trailing escape); returns the last index used. */
  const keepEscaped = (i: number): number => {
    const ch = chars[i]!;
    index += ch.length;
    if (i + 1 === chars.length) return i;
    const escaped = chars[i + 1]!;
    word += ch + escaped;
    index += escaped.length;
    return i + 1;
  };
  for (let i = 0; i <= chars.length; i++) {
    const atEnd = i === chars.length;
    const ch = chars[i] ?? "";
    if (phase === "spaces") {
      if (atEnd) break;
      if (/\s/u.test(ch)) {
        index += ch.length;
        continue;
      }
      phase = "word";
      wordStart = index;
    }
    if (atEnd) {
      push();
      break;
    }
    if (phase === "word") {
      if (/\s/u.test(ch)) {
        phase = "spaces";
        push();
        word = "";
        blankOk = false;
        index += ch.length;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = "quote";
      }
      if (ch === escape) {
        // An escape at the very end is dropped; otherwise it and the next character are kept.
        i = keepEscaped(i);
        continue;
      }
      word += ch;
      index += ch.length;
      continue;
    }
    if (ch === quote) phase = "word";
    // The escape character works inside double quotes but not inside single quotes.
    if (ch === escape && quote !== "'") {
      if (i + 1 === chars.length) phase = "word";
      i = keepEscaped(i);
      continue;
    }
    word += ch;
    index += ch.length;
  }
  return words;
}
