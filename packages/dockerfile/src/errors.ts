import { ExpError } from "@exp/errors";
import type { SourceLocation } from "./source-location.js";

/**
 * Stable codes of every error this package throws on purpose. Callers branch on these, never on
 * the message, which names the bad value and may be reworded.
 */
export type DockerfileErrorCode =
  /** The text is not a valid Dockerfile (or a word has bad `${}` syntax). */
  | "ERR_DOCKERFILE_SYNTAX"
  /** Valid Dockerfile that exp refuses on purpose: RUN, ADD of a URL. */
  | "ERR_UNSUPPORTED_INSTRUCTION"
  /** An instruction name Docker does not know either. */
  | "ERR_UNKNOWN_INSTRUCTION"
  /** `target` names no stage. */
  | "ERR_UNKNOWN_TARGET"
  /** A stage named in an option other than `target` (`noCacheFilter`) does not exist. */
  | "ERR_UNKNOWN_STAGE"
  /** `${VAR?message}` / `${VAR:?message}` with VAR unset (or empty): the Dockerfile asked to stop. */
  | "ERR_UNSET_VARIABLE"
  /** ADD of a git repository, or `ADD --keep-git-dir`: exp has no git source. */
  | "ERR_UNSUPPORTED_GIT_SOURCE"
  /** `# syntax=` (or the BUILDKIT_SYNTAX build arg) names a frontend image other than docker/dockerfile:1. */
  | "ERR_UNSUPPORTED_FRONTEND"
  /** `# check=` (or the BUILDKIT_DOCKERFILE_CHECK build arg) is not BuildKit's check syntax. */
  | "ERR_INVALID_CHECK"
  /** `# check=error=true` and a lint rule reported: BuildKit fails the build ("lint violation found for rules: ..."). */
  | "ERR_LINT_VIOLATION";

export interface DockerfileErrorInit {
  code: DockerfileErrorCode;
  file: string;
  /** Where the problem is; omit when it is not tied to a line (an unknown target). */
  location?: SourceLocation;
  /** What is wrong, without the `file:line:column: ` prefix. */
  detail: string;
  cause?: unknown;
}

/**
 * Every error about a Dockerfile. The message reads `Dockerfile:12:5: <what is wrong>` so editors
 * and terminals can jump to it; `line` and `column` are 1-based, and both 0 (message
 * `Dockerfile: ...`) when the problem has no position in the file.
 */
export class DockerfileError extends ExpError {
  declare readonly code: DockerfileErrorCode;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly detail: string;

  constructor(init: DockerfileErrorInit) {
    const where = init.location ? `${init.file}:${init.location.line}:${init.location.column}` : init.file;
    super(init.code, `${where}: ${init.detail}`, { cause: init.cause, fault: "client" });
    this.file = init.file;
    this.line = init.location?.line ?? 0;
    this.column = init.location?.column ?? 0;
    this.detail = init.detail;
  }
}
