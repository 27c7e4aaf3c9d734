import { ExpError } from "@exp/errors";

/** The base of the errors this package throws, so a caller can tell them from I/O errors. */
export class PgzipError extends ExpError {}

/**
 * A deflate worker failed: zlib refused a block, or the thread died (out of memory, terminated).
 * The stream it belonged to cannot be completed; compressing again may work.
 */
export class DeflateWorkerError extends PgzipError {
  constructor(reason: string, cause?: unknown) {
    super("ERR_PGZIP_WORKER", `a deflate worker failed: ${reason}`, { cause, fault: "server", retryable: true });
  }
}

/** A job was given to a DeflatePool that was closed, or was waiting in it when it closed. */
export class DeflatePoolClosedError extends PgzipError {
  constructor() {
    super("ERR_PGZIP_POOL_CLOSED", "the deflate pool was closed");
  }
}
