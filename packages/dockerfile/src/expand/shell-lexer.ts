import { LexError } from "./lex-error.js";
import { trimPrefix, trimSuffix, shellPatternToRegExp } from "./patterns.js";

/** Looks a variable up; undefined means unset (which differs from empty for `-`, `+`, `?`). */
export type VariableLookup = (name: string) => string | undefined;

export interface LexOptions {
  /** The Dockerfile escape character, `\` or a backtick. */
  escape: string;
  /** Keep quote characters in the output (used to tell quoted heredoc delimiters apart). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Treat quotes as ordinary characters (heredoc bodies). */
  skipProcessQuotes?: boolean;
  /** Leave `$VAR` of unset variables as written instead of replacing them with "". */
  skipUnsetEnv?: boolean;
  /** Keep `<<` and the spaces after it in the next word, so `<< EOF` is one word (heredoc detection). */
  heredocMarkers?: boolean;
}

export interface LexResult {
  /** The word with quotes processed and variables replaced. */
  result: string;
  /** The same text split into words the way a shell would (quoted text never splits). */
  words: string[];
  /** Variables that were looked up and set. */
  matched: Set<string>;
  /** Variables that were looked up and unset. */
  unmatched: Set<string>;
}

const EOF = undefined;

/**
 * BuildKit's shell word processor (frontend/dockerfile/shell/lex.go), rule for rule: quotes,
 * escapes, `$VAR`, `${VAR}` and the `${VAR<op>word}` forms. Throws LexError on bad syntax.
 */
export function lexWord(word: string, lookup: VariableLookup, options: LexOptions): LexResult {
  return new ShellWord(word, lookup, options).process();
}

/** Mirrors BuildKit's wordsStruct: characters from `$` expansions split on spaces, quoted ones do not. */
class WordCollector {
  private word = "";
  private inWord = false;
  readonly words: string[] = [];

  addChar(ch: string): void {
    if (isSpace(ch) && this.inWord) {
      if (this.word.length !== 0) {
        this.words.push(this.word);
        this.word = "";
        this.inWord = false;
      }
    } else if (!isSpace(ch)) {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }

  addString(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  addRawString(text: string): void {
    this.word += text;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = "";
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;
  private readonly matched = new Set<string>();
  private readonly unmatched = new Set<string>();

  constructor(
    word: string,
    private readonly lookup: VariableLookup,
    private readonly options: LexOptions,
  ) {
    this.chars = Array.from(word);
    this.rawEscapes = options.rawEscapes ?? false;
  }

  process(): LexResult {
    const { result, words } = this.processStopOn(EOF, this.rawEscapes);
    return { result, words, matched: this.matched, unmatched: this.unmatched };
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    const ch = this.chars[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  private processStopOn(stopChar: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    let result = "";
    const words = new WordCollector();
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.peek() !== EOF) {
        const ch = this.peek()!;
        if (stopChar !== EOF && ch === stopChar) {
          this.next();
          return { result, words: words.finish() };
        }
        const special = this.specialHandler(ch);
        if (special) {
          const text = special();
          result += text;
          if (ch === "$") words.addString(text);
          else words.addRawString(text);
          continue;
        }
        let current = this.next()!;
        if (current === this.options.escape) {
          if (this.rawEscapes) {
            words.addRawChar(current);
            result += current;
          }
          // The escape character escapes the next one; at the end of the word it is dropped.
          const escaped = this.next();
          if (escaped === EOF) break;
          current = escaped;
          words.addRawChar(current);
        } else {
          words.addChar(current);
        }
        result += current;
      }
      if (stopChar !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${stopChar}`);
      return { result, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private specialHandler(ch: string): (() => string) | undefined {
    if (ch === "$") return () => this.processDollar();
    if (ch === "<" && this.options.heredocMarkers) return () => this.processPossibleHeredoc();
    if (this.options.skipProcessQuotes) return undefined;
    if (ch === "'") return () => this.processSingleQuote();
    if (ch === '"') return () => this.processDoubleQuote();
    return undefined;
  }

  // BuildKit allows spaces between `<<` and the delimiter; they become part of the marker word.
  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== "<") return "<";
    this.next();
    let result = "<<";
    while (this.peek() === " " || this.peek() === "\t") result += this.next();
    return result;
  }

  // Everything between single quotes is literal; a single quote cannot be escaped inside them.
  private processSingleQuote(): string {
    let result = "";
    const open = this.next()!;
    if (this.options.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new LexError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") {
        if (this.options.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  // Literal except `$`; the escape character only escapes `"`, `$` and itself (as in sh).
  private processDoubleQuote(): string {
    let result = "";
    const open = this.next()!;
    if (this.options.rawQuotes) result += open;
    for (;;) {
      const peeked = this.peek();
      if (peeked === EOF) throw new LexError("unexpected end of statement while looking for matching double-quote");
      if (peeked === '"') {
        const close = this.next()!;
        if (this.options.rawQuotes) result += close;
        return result;
      }
      if (peeked === "$") {
        result += this.processDollar();
        continue;
      }
      let ch = this.next()!;
      if (ch === this.options.escape) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue;
        if (after === '"' || after === "$" || after === this.options.escape) ch = this.next()!;
      }
      result += ch;
    }
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return `$${name}`;
      return value ?? "";
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new LexError("syntax error: bad substitution");
    const name = this.processName();
    let op = this.next();
    if (op === EOF) throw new LexError("syntax error: missing '}'");
    if (op === "}") {
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return `\${${name}}`;
      return value ?? "";
    }
    if (op === "/") return this.processReplace(name);
    let modifier = op;
    let nullIsUnset = false;
    if (op === ":") {
      nullIsUnset = true;
      op = this.next();
      if (op === EOF) throw new LexError("syntax error: missing '}'");
      modifier += op;
    }
    if (!"+-?#%".includes(op)) {
      // BuildKit reads the rest of the braces before it rejects the modifier; do the same so
      // `${a:b}` and `${a!b}` both say what is wrong rather than "missing '}'".
      this.readUntilBrace(false);
      throw new LexError(`unsupported modifier (${modifier}) in substitution`);
    }
    const word = this.readUntilBrace(op === "#" || op === "%");
    const value = this.getEnv(name);
    if (value === undefined && this.options.skipUnsetEnv) return `\${${name}${modifier}${word}}`;
    const unset = value === undefined || (nullIsUnset && value === "");
    switch (op) {
      case "-":
        return unset ? word : value!;
      case "+":
        return unset ? "" : word;
      case "?":
        if (value === undefined) throw new LexError(`${name}: ${word || "is not allowed to be unset"}`, { unsetVariable: true });
        if (unset) throw new LexError(`${name}: ${word || "is not allowed to be empty"}`, { unsetVariable: true });
        return value;
      default: {
        // `#`/`%` trim the shortest match, `##`/`%%` the longest.
        const greedy = word.startsWith(op);
        const pattern = greedy ? word.slice(1) : word;
        return op === "%" ? trimSuffix(pattern, value ?? "", greedy) : trimPrefix(pattern, value ?? "", greedy);
      }
    }
  }

  private readUntilBrace(rawEscapes: boolean): string {
    try {
      return this.processStopOn("}", rawEscapes).result;
    } catch (error) {
      if (this.peek() === EOF) throw new LexError("syntax error: missing '}'");
      throw error;
    }
  }

  // ${VAR/pattern/replacement} replaces the first match, ${VAR//pattern/replacement} every match.
  private processReplace(name: string): string {
    const all = this.peek() === "/";
    if (all) this.next();
    let pattern: string;
    try {
      pattern = this.processStopOn("/", true).result;
    } catch (error) {
      if (this.peek() === EOF) throw new LexError("syntax error: missing '/' in ${}");
      throw error;
    }
    const replacement = this.readUntilBrace(true);
    const value = this.getEnv(name);
    if (value === undefined && this.options.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    const re = shellPatternToRegExp(pattern, true, false);
    const text = value ?? "";
    if (all) return text.replace(new RegExp(re.source, "gu"), () => replacement);
    return text.replace(re, () => replacement);
  }

  // A name is letters, digits and `_`; a leading digit reads digits only; `$@`, `$*`, `$#`… are one character.
  private processName(): string {
    let name = "";
    for (let ch = this.peek(); ch !== EOF; ch = this.peek()) {
      if (name === "" && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek()!)) name += this.next();
        return name;
      }
      if (name === "" && "@*#?-$!0".includes(ch)) {
        this.next();
        return ch;
      }
      if (!isLetter(ch) && !isDigit(ch) && ch !== "_") break;
      name += this.next();
    }
    return name;
  }

  private getEnv(name: string): string | undefined {
    const value = this.lookup(name);
    if (value === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return value;
  }
}

function isSpace(ch: string): boolean {
  return /^\s$/u.test(ch);
}

function isLetter(ch: string): boolean {
  return /^\p{L}$/u.test(ch);
}

function isDigit(ch: string): boolean {
  return /^\p{Nd}$/u.test(ch);
}
