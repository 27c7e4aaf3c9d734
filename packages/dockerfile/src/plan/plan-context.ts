import type { DockerfileAST } from "../ast.js";
import { DockerfileError, type DockerfileErrorCode } from "../errors.js";
import { runLexer } from "../expand/expand-word.js";
import type { LexOptions, LexResult, VariableLookup } from "../expand/shell-lexer.js";
import type { Finding } from "../lint/finding.js";
import type { LintRuleName } from "../lint/rules.js";
import type { SourceLocation } from "../source-location.js";

/** A word to expand and where it is, for the error message. */
export interface Located {
  value: string;
  location: SourceLocation;
}

/** What planning steps share: the file for messages, its escape character, findings, consumed build args. */
export class PlanContext {
  readonly file: string;
  readonly escape: string;
  /** The parser's findings, then the planner's; `# check=` is applied once planning is done. */
  readonly findings: Finding[];
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Build-arg names some ARG (global or in a built stage) picked up. */
  readonly consumedArgs = new Set<string>();

  constructor(readonly ast: DockerfileAST, buildArgs: Readonly<Record<string, string>>) {
    this.file = ast.fileName;
    this.escape = ast.escapeChar;
    this.findings = [...ast.findings];
    this.buildArgs = buildArgs;
  }

  hasBuildArg(name: string): boolean {
    return Object.hasOwn(this.buildArgs, name);
  }

  fail(location: SourceLocation | undefined, detail: string, code: DockerfileErrorCode = "ERR_DOCKERFILE_SYNTAX"): never {
    throw new DockerfileError({ code, file: this.file, ...(location ? { location } : {}), detail });
  }

  /** A warning; `rule` is the BuildKit lint rule it stands for, if any (what `# check=skip=` names). */
  warn(location: SourceLocation | undefined, message: string, rule?: LintRuleName): void {
    const commentCheck = location && rule ? this.commentCheckAt(location) : undefined;
    this.findings.push({ ...(rule ? { rule } : {}), ...(location ? { location } : {}), message, ...(commentCheck === undefined ? {} : { commentCheck }) });
  }

  /**
   * The comment `check=` of the instruction at `location`: BuildKit merges it into the linter for
   * that instruction (dispatch) and, above a FROM, for what it checks of the stage
   * (buildDispatchStates).
   */
  private commentCheckAt(location: SourceLocation): string | undefined {
    const instruction = this.ast.instructions.find((i) => i.location.line <= location.line && location.line <= i.endLine);
    return instruction?.checkComment;
  }

  /** Expands a word; syntax errors point at the word. */
  expand(word: Located, lookup: VariableLookup, options: Partial<LexOptions> = {}): LexResult {
    return runLexer(word.value, lookup, { escape: this.escape, ...options, fileName: this.file, location: word.location });
  }
}
