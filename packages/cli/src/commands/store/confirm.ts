import { createInterface } from "node:readline";
import { ExpError } from "@exp/errors";
import type { CliIO } from "../../io.js";

/**
 * Asks `question` on stderr and reads y/yes from stdin. Off a terminal there is nobody to answer:
 * that is an error telling how to go on without the question, never a silent yes.
 */
export async function confirm(io: CliIO, question: string, refusal: string): Promise<boolean> {
  if (!io.isTTY || !io.stdin) throw new ConfirmationRequiredError(refusal);
  io.stderr.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolveAnswer) => {
      rl.once("line", resolveAnswer);
      rl.once("close", () => resolveAnswer(""));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** A command that asks before it removes, run where nobody can answer (no terminal) and without -f. */
export class ConfirmationRequiredError extends ExpError {
  constructor(message: string) {
    super("ERR_CONFIRMATION_REQUIRED", message);
  }
}
