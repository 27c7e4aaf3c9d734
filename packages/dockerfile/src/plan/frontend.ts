import type { SyntaxDirective } from "../parse/detect-syntax.js";
import { isAcceptedSyntax, unsupportedFrontendDetail } from "../parse/accepted-syntax.js";
import type { SourceLocation } from "../source-location.js";
import type { PlanContext } from "./plan-context.js";

/**
 * Refuses a Dockerfile written for another frontend. As in BuildKit's builder
 * (frontend/dockerfile/builder/build.go Build), the BUILDKIT_SYNTAX build arg wins over the
 * directive, and only the first word of either is the image (the rest is the frontend's command
 * line).
 */
export function checkFrontend(ctx: PlanContext): void {
  const problem = frontendProblem(ctx.ast.syntax, ctx.buildArgs);
  if (problem) ctx.fail(problem.location, problem.detail, "ERR_UNSUPPORTED_FRONTEND");
}

function frontendProblem(syntax: SyntaxDirective | undefined, buildArgs: Readonly<Record<string, string>>): { location?: SourceLocation; detail: string } | undefined {
  if (Object.hasOwn(buildArgs, "BUILDKIT_SYNTAX")) {
    const written = buildArgs["BUILDKIT_SYNTAX"]!.trim();
    const ref = written.split(" ", 1)[0]!;
    return isAcceptedSyntax(ref) ? undefined : { detail: unsupportedFrontendDetail(`the build arg BUILDKIT_SYNTAX=${written}`, ref) };
  }
  if (!syntax || isAcceptedSyntax(syntax.ref)) return undefined;
  return { location: syntax.location, detail: unsupportedFrontendDetail(`# syntax=${syntax.value}`, syntax.ref) };
}
