import type { DockerfileAST } from "../ast.js";
import { DockerfileError, type DockerfileErrorCode } from "../errors.js";
import { runLexer } from "../expand/expand-word.js";
import type { LexOptions, LexResult, VariableLookup } from "../expand/shell-lexer.js";
import { formatLocation, type SourceLocation } from "../source-location.js";

/** A word to expand and where it is, for the error message. */
export interface Located {
  value: string;
  location: SourceLocation;
}

/** What planning steps share: the file for messages, its escape character, warnings, consumed build args. */
export class PlanContext {
  readonly file: string;
  readonly escape: string;
  readonly warnings: string[];
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Build-arg names some ARG (global or in a built stage) picked up. */
  readonly consumedArgs = new Set<string>();

  constructor(readonly ast: DockerfileAST, buildArgs: Readonly<Record<string, string>>) {
    this.file = ast.fileName;
    this.escape = ast.escapeChar;
    this.warnings = [...ast.warnings];
    this.buildArgs = buildArgs;
  }

  hasBuildArg(name: string): boolean {
    return Object.hasOwn(this.buildArgs, name);
  }

  fail(location: SourceLocation | undefined, detail: string, code: DockerfileErrorCode = "ERR_DOCKERFILE_SYNTAX"): never {
    throw new DockerfileError({ code, file: this.file, ...(location ? { location } : {}), detail });
  }

  warn(location: SourceLocation | undefined, text: string): void {
    this.warnings.push(`${location ? formatLocation(this.file, location) : this.file}: ${text}`);
  }

  /** Expands a word; syntax errors point at the word. */
  expand(word: Located, lookup: VariableLookup, options: Partial<LexOptions> = {}): LexResult {
    return runLexer(word.value, lookup, { escape: this.escape, ...options, fileName: this.file, location: word.location });
  }
}
