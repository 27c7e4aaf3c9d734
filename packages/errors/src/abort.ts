import { ExpError } from "./exp-error.js";

/** The operation was cancelled through its AbortSignal. `cause` is the signal's reason. */
export class AbortedError extends ExpError {
  constructor(what: string, reason?: unknown) {
    super("ERR_ABORTED", `${what} was aborted${reasonText(reason)}`, { cause: reason, fault: "client" });
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error && reason.name !== "AbortError") return `: ${reason.message}`;
  return "";
}

/** Throws AbortedError when the signal has fired; call it before each unit of work. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortedError(what, signal.reason);
}

/** True for our AbortedError and for the DOM/undici/node AbortError shapes. */
export function isAbortError(error: unknown): boolean {
  if (error instanceof AbortedError) return true;
  return error instanceof Error && (error.name === "AbortError" || (error as { code?: unknown }).code === "ABORT_ERR");
}
