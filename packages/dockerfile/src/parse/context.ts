import { DockerfileError, type DockerfileErrorCode } from "../errors.js";
import type { Finding } from "../lint/finding.js";
import type { LintRuleName } from "../lint/rules.js";
import type { SourceLocation } from "../source-location.js";

/** What every parsing step needs: the file name for messages, the escape character, warnings. */
export class ParseContext {
  escape: "\\" | "`" = "\\";
  readonly findings: Finding[] = [];
  /** The comment `check=` of the instruction being built, given to its findings. */
  commentCheck: string | undefined;

  constructor(readonly file: string) {}

  fail(location: SourceLocation, detail: string, code: DockerfileErrorCode = "ERR_DOCKERFILE_SYNTAX"): never {
    throw new DockerfileError({ code, file: this.file, location, detail });
  }

  /** A warning; `rule` is the BuildKit lint rule it stands for, if any (what `# check=skip=` names). */
  warn(location: SourceLocation, message: string, rule?: LintRuleName): void {
    this.findings.push({ ...(rule ? { rule } : {}), location, message, ...(this.commentCheck === undefined ? {} : { commentCheck: this.commentCheck }) });
  }
}
