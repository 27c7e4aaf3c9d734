import { ExpError } from "@exp/errors";

/** The lock file could not be created, read or removed (a missing directory, permissions, a read-only filesystem). */
export class FileLockError extends ExpError {
  readonly path: string;

  constructor(action: string, path: string, cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    super("ERR_LOCK_IO", `${action} lock ${path}${detail}`, { cause, fault: "server" });
    this.path = path;
  }
}

/** Another live holder kept the lock for longer than the caller was willing to wait (`maxWaitMs`). */
export class FileLockTimeoutError extends ExpError {
  readonly path: string;
  readonly holder: string | undefined;

  constructor(path: string, waitedMs: number, holder: string | undefined) {
    super(
      "ERR_LOCK_TIMEOUT",
      `${path} has been locked for ${Math.round(waitedMs / 1000)} s${holder ? ` by ${holder.trim()}` : ""}; its holder is stuck, or remove the file`,
      { fault: "server", retryable: true },
    );
    this.path = path;
    this.holder = holder;
  }
}
