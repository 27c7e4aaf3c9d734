import { InvalidOptionError } from "@exp/errors";
import { DockerfileError } from "../errors.js";
import type { SourceLocation } from "../source-location.js";
import { LexError } from "./lex-error.js";
import { lexWord, type LexOptions, type LexResult, type VariableLookup } from "./shell-lexer.js";

export interface ExpandOptions {
  /** The Dockerfile's escape character: `\` (default) or a backtick (`# escape=\``). */
  escape?: string;
  /** For error messages: the file the word comes from (default "Dockerfile"). */
  fileName?: string;
  /** For error messages: where the word starts. */
  location?: SourceLocation;
}

/**
 * Replaces `$VAR`, `${VAR}` and `${VAR<op>word}` in one Dockerfile word and removes its quotes,
 * exactly as BuildKit does for FROM, COPY, ENV, WORKDIR and the other expanding instructions.
 * Operators: `:-` `-` `:+` `+` `:?` `?` `#` `##` `%` `%%` (glob patterns) and `/` `//`.
 * Single quotes suppress expansion; the escape character escapes `$`.
 */
export function expandWord(word: string, lookup: VariableLookup, options: ExpandOptions = {}): string {
  return runLexer(word, lookup, options).result;
}

/**
 * Expands like expandWord, then splits the result into words the way a shell would: text that
 * came from a variable splits on whitespace, quoted text never does (EXPOSE uses this).
 */
export function splitWords(word: string, lookup: VariableLookup, options: ExpandOptions = {}): string[] {
  return runLexer(word, lookup, options).words;
}

/** The lexer with file context for its errors; shared by the planner, which also needs matches. */
export function runLexer(word: string, lookup: VariableLookup, options: ExpandOptions & Partial<LexOptions> = {}): LexResult {
  const escape = options.escape ?? "\\";
  if (escape !== "\\" && escape !== "`") {
    throw new InvalidOptionError("expandWord", "escape", escape, 'a backslash "\\" or a backtick "`"');
  }
  try {
    return lexWord(word, lookup, { ...options, escape });
  } catch (error) {
    if (!(error instanceof LexError)) throw error;
    throw new DockerfileError({
      code: error.unsetVariable ? "ERR_UNSET_VARIABLE" : "ERR_DOCKERFILE_SYNTAX",
      file: options.fileName ?? "Dockerfile",
      ...(options.location ? { location: options.location } : {}),
      detail: `failed to process ${JSON.stringify(word)}: ${error.message}`,
      cause: error,
    });
  }
}
