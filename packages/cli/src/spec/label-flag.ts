import { UsageError } from "../errors.js";

/** A `--label` value buildx refuses: one with an empty key. */
export class InvalidLabelError extends UsageError {
  constructor(value: string) {
    super(`--label ${JSON.stringify(value)}: empty key; expected key=value (or key alone for an empty value)`, "ERR_INVALID_LABEL");
  }
}

/**
 * `--label` values as buildx reads them (commands/build.go listToMap with defaultEnv=false):
 * `key=value` split at the first `=`, a key alone is an empty value (not taken from the
 * environment, unlike --build-arg), an empty key is an error, and a repeated key keeps the last
 * value. The result is BuildKit's `label:<key>` frontend options, which the Dockerfile front end
 * writes over the target stage's LABELs (dockerfile2llb/convert.go finalizeResultImage).
 */
export function parseLabelFlags(values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf("=");
    const key = at === -1 ? value : value.slice(0, at);
    if (key === "") throw new InvalidLabelError(value);
    labels[key] = at === -1 ? "" : value.slice(at + 1);
  }
  return labels;
}

/** commander's collector for `--label` (repeatable), checked as each value is read. */
export function collectLabel(value: string, previous: string[] | undefined): string[] {
  parseLabelFlags([value]);
  return [...(previous ?? []), value];
}
