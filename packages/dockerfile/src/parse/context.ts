import { DockerfileError, type DockerfileErrorCode } from "../errors.js";
import { formatLocation, type SourceLocation } from "../source-location.js";

/** What every parsing step needs: the file name for messages, the escape character, warnings. */
export class ParseContext {
  escape: "\\" | "`" = "\\";
  readonly warnings: string[] = [];

  constructor(readonly file: string) {}

  fail(location: SourceLocation, detail: string, code: DockerfileErrorCode = "ERR_DOCKERFILE_SYNTAX"): never {
    throw new DockerfileError({ code, file: this.file, location, detail });
  }

  warn(location: SourceLocation, text: string): void {
    this.warnings.push(`${formatLocation(this.file, location)}: ${text}`);
  }
}
