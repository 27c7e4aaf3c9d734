import { CheckOptionsProblem, parseCheckOptions, type CheckOptions } from "./check-options.js";

const directivePattern = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/**
 * The `check=` written in the comments just above an instruction, as BuildKit reads it
 * (linter.go WithMergedConfigFromComments): each comment is tried as a directive without its
 * `#`, the first named `check` counts, cut at its first space. Undefined when there is none.
 */
export function checkFromComments(comments: readonly string[]): string | undefined {
  for (const comment of comments) {
    const match = directivePattern.exec(comment);
    if (match && match[1]!.toLowerCase() === "check") return match[2]!.split(" ", 1)[0]!;
  }
  return undefined;
}

/**
 * The options for one instruction's findings: the build's, with the skips and experimental rules
 * of its comment's `check=` added (Linter.WithMergedConfig; `error=` is not merged). A comment
 * that does not parse changes nothing, as in BuildKit.
 */
export function withCommentCheck(options: CheckOptions, comment: string | undefined): CheckOptions {
  if (comment === undefined) return options;
  let local: CheckOptions;
  try {
    local = parseCheckOptions(comment);
  } catch (error) {
    if (error instanceof CheckOptionsProblem) return options;
    throw error;
  }
  return {
    skipAll: options.skipAll || local.skipAll,
    skip: new Set([...options.skip, ...local.skip]),
    experimentalAll: options.experimentalAll || local.experimentalAll,
    experimental: new Set([...options.experimental, ...local.experimental]),
    error: options.error,
  };
}
