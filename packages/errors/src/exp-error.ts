/** Who is to blame: the caller's input ("client") or something outside it ("server": disk, network, a registry). */
export type Fault = "client" | "server";

export interface ExpErrorOptions {
  cause?: unknown;
  fault?: Fault;
  /** True when the same call may succeed if made again (a timeout, a 503). */
  retryable?: boolean;
}

// A brand shared by every copy of this package loaded in one process, so `instanceof ExpError`
// holds even when two versions of @exp/errors end up in node_modules (undici does the same).
const brand = Symbol.for("@exp/errors.ExpError");

/**
 * The base of every error an @exp package throws on purpose. `code` is stable across releases
 * (`ERR_...`), so callers branch on it rather than on the message, which may be reworded.
 */
export class ExpError extends Error {
  readonly code: string;
  readonly fault: Fault;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: ExpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.fault = options.fault ?? "client";
    this.retryable = options.retryable ?? false;
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === ExpError) {
      return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** True for any ExpError, optionally with the given code. */
export function isExpError(value: unknown, code?: string): value is ExpError {
  return value instanceof ExpError && (code === undefined || value.code === code);
}
