import { ExpError, type ExpErrorOptions } from "@exp/errors";

/**
 * A command-line mistake found after parsing (exit code 2, like commander's own). Subclasses keep
 * the exit code and give the mistake a code of its own.
 */
export class UsageError extends ExpError {
  constructor(message: string, code = "ERR_USAGE", options: Pick<ExpErrorOptions, "cause"> = {}) {
    super(code, message, options);
  }
}

/** `ERROR: <message>`, and with `--debug` the error code, the stack and every cause. */
export function formatError(error: unknown, debug: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  let out = `ERROR: ${message}\n`;
  if (!debug) return out;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") out += `code: ${code}\n`;
  if (error instanceof Error && error.stack) out += `${error.stack}\n`;
  const seen = new Set<unknown>([error]);
  for (let cause = (error as { cause?: unknown } | null)?.cause; cause !== undefined && !seen.has(cause); cause = (cause as { cause?: unknown } | null)?.cause) {
    seen.add(cause);
    const causeCode = (cause as { code?: unknown } | null)?.code;
    out += `caused by${typeof causeCode === "string" ? ` (${causeCode})` : ""}: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`;
  }
  return out;
}
