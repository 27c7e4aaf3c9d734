import type { ParserDirectives } from "../ast.js";
import type { SourceLocation } from "../source-location.js";
import type { ParseContext } from "./context.js";

const directivePattern = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const knownDirectives = new Set(["syntax", "escape", "check"]);

/**
 * Parser directives (`# syntax=`, `# escape=`, `# check=`), BuildKit's rules: only at the very
 * top, each once, names case-insensitive. The first line that is not a known directive (an
 * instruction, a plain comment, a blank line, an unknown directive) ends the search for good.
 */
export class DirectiveScanner {
  readonly directives: ParserDirectives = {};
  /** Where each directive was written, for messages about its value. */
  readonly locations: Partial<Record<keyof ParserDirectives, SourceLocation>> = {};
  private done = false;

  constructor(private readonly ctx: ParseContext) {}

  /** Looks at one line (leading whitespace already removed); true when it was a directive. */
  scan(line: string, location: SourceLocation): boolean {
    if (this.done) return false;
    const match = directivePattern.exec(line);
    const name = match?.[1]?.toLowerCase();
    if (!match || !name || !knownDirectives.has(name)) {
      this.done = true;
      return false;
    }
    const key = name as keyof ParserDirectives;
    if (this.directives[key] !== undefined) {
      this.ctx.fail(location, `the ${name} parser directive is given twice; each directive may appear only once, at the top of the file`);
    }
    const value = match[2]!;
    if (key === "escape") {
      if (value !== "\\" && value !== "`") {
        this.ctx.fail(location, `invalid escape directive ${JSON.stringify(value)}: the escape character must be a backslash (\\) or a backtick (\`)`);
      }
      this.ctx.escape = value;
    }
    // `# check=` is validated by planBuild: BUILDKIT_DOCKERFILE_CHECK replaces it, so a bad value
    // fails only a build that uses it, as in BuildKit.
    this.directives[key] = value;
    this.locations[key] = location;
    return true;
  }
}

