import { UsageError } from "../errors.js";
import type { OutputStream } from "../io.js";
import type { Spec } from "./output.js";

/**
 * `-o -` (or `dest=-`) while stdout is a terminal: the archive would be binary noise on the screen.
 * buildx refuses the same ("dest file is required for tar exporter. refusing to write to console").
 */
export class TerminalStdoutError extends UsageError {
  constructor(spec: Spec) {
    super(
      `-o type=${spec.type},dest=-: refusing to write the ${spec.type} archive to a terminal; redirect stdout to a file (exp build -o - . > out.tar) or give dest=<file>`,
      "ERR_STDOUT_IS_TERMINAL",
    );
  }
}

/** Throws TerminalStdoutError, before any build work, when an output writes to stdout and stdout is a TTY. */
export function refuseTerminalStdout(outputs: readonly Spec[], stdout: OutputStream): void {
  if (stdout.isTTY !== true) return;
  const toStdout = outputs.find((o) => o.attrs.dest === "-");
  if (toStdout) throw new TerminalStdoutError(toStdout);
}
