import type { ArgInstruction, DockerfileAST, Instruction, StageNode } from "../ast.js";
import { defaultCheckOptions, type CheckOptions } from "../lint/check-options.js";
import { effectiveChecks, EffectiveChecksProblem } from "../lint/effective-checks.js";
import { formatFinding, reportedFindings } from "../lint/finding.js";
import { ParseContext } from "./context.js";
import { DockerfileError } from "../errors.js";
import { isAcceptedSyntax, unsupportedFrontendDetail } from "./accepted-syntax.js";
import { detectSyntax, type SyntaxDirective } from "./detect-syntax.js";
import { buildInstruction } from "./instructions/build-instruction.js";
import { readInstructions } from "./read-instructions.js";

export interface ParseOptions {
  /** Used in error messages and warnings (default "Dockerfile"). */
  fileName?: string;
}

const reservedStageNames = new Set(["scratch", "context"]);

/**
 * Parses a Dockerfile into typed instructions grouped by stage, following the Dockerfile
 * reference and BuildKit's parser. Throws DockerfileError (`Dockerfile:line:column: ...`) for
 * syntax errors and unknown instructions. RUN parses (it is valid Dockerfile) but planBuild
 * refuses it; variable expansion also happens in planBuild, where the scopes are known.
 */
export function parseDockerfile(text: string, options: ParseOptions = {}): DockerfileAST {
  const ctx = new ParseContext(options.fileName ?? "Dockerfile");
  const syntax = detectSyntax(text);
  try {
    return parse(text, ctx, syntax);
  } catch (error) {
    // A file written for another frontend may not be Dockerfile syntax at all: its author should
    // hear about the frontend, not about a line exp cannot read. (One that parses is refused by
    // planBuild, where the BUILDKIT_SYNTAX build arg can still override the directive.)
    if (!(error instanceof DockerfileError) || !syntax || isAcceptedSyntax(syntax.ref)) throw error;
    throw new DockerfileError({
      code: "ERR_UNSUPPORTED_FRONTEND",
      file: ctx.file,
      location: syntax.location,
      detail: `${unsupportedFrontendDetail(`# syntax=${syntax.value}`, syntax.ref)} (exp's parser cannot read the file either: ${error.message})`,
      cause: error,
    });
  }
}

function parse(text: string, ctx: ParseContext, syntax: SyntaxDirective | undefined): DockerfileAST {
  const { directives, directiveLocations, instructions: raws } = readInstructions(text, ctx);
  const instructions: Instruction[] = [];
  const globalArgs: ArgInstruction[] = [];
  const stages: StageNode[] = [];
  const stageLines = new Map<string, number>();
  for (const raw of raws) {
    ctx.commentCheck = raw.checkComment;
    const instruction = buildInstruction(raw, ctx);
    ctx.commentCheck = undefined;
    instructions.push(instruction);
    if (instruction.kind === "from") {
      const name = instruction.stageName;
      if (name) {
        if (reservedStageNames.has(name.value)) {
          ctx.fail(name.location, `stage name "${name.value}" is reserved (FROM ${name.value} and COPY --from=${name.value} mean something else); pick another name`);
        }
        const previous = stageLines.get(name.value);
        if (previous !== undefined) {
          ctx.fail(name.location, `duplicate stage name "${name.value}": the stage on line ${previous} already uses it; stage names must be unique`);
        }
        stageLines.set(name.value, instruction.location.line);
      }
      stages.push({ from: instruction, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push(instruction);
    } else if (instruction.kind === "arg") {
      globalArgs.push(instruction);
    } else {
      ctx.fail(instruction.location, `${instruction.keyword.toUpperCase()} comes before the first FROM; only ARG may appear before FROM`);
    }
  }
  if (instructions.length === 0) ctx.fail({ line: 1, column: 1 }, "the Dockerfile has no instructions; it needs at least a FROM");
  if (stages.length === 0) {
    ctx.fail(instructions[0]!.location, "the Dockerfile has no FROM instruction, so no stage to build; add FROM <image> (or FROM scratch)");
  }
  return {
    fileName: ctx.file,
    directives,
    directiveLocations,
    ...(syntax ? { syntax } : {}),
    escapeChar: ctx.escape,
    globalArgs,
    stages,
    instructions,
    warnings: reportedFindings(ctx.findings, directiveChecks(directives.check)).map((f) => formatFinding(ctx.file, f)),
    findings: ctx.findings,
  };
}

// The parser's own view of the warnings, `# check=` applied; a bad value is planBuild's error
// (the BUILDKIT_DOCKERFILE_CHECK build arg may replace it), so here it filters nothing.
function directiveChecks(check: string | undefined): CheckOptions {
  try {
    return effectiveChecks(check === undefined ? undefined : { value: check }, undefined).options;
  } catch (error) {
    if (error instanceof EffectiveChecksProblem) return defaultCheckOptions;
    throw error;
  }
}
