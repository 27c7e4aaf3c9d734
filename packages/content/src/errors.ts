import { ExpError } from "@exp/errors";

/** A blob the store does not hold. */
export class NotFoundError extends ExpError {
  readonly digest: string;
  constructor(digest: string) {
    super("ERR_NOT_FOUND", `blob ${digest} not found in the content store`);
    this.digest = digest;
  }
}

/** Content whose byte count is not the one the caller said it would be. */
export class SizeMismatchError extends ExpError {
  readonly expected: number;
  readonly actual: number;
  /** `actual` is a lower bound: ingest stopped as soon as the content exceeded `expected`. */
  readonly atLeast: boolean;
  constructor(what: string, expected: number, actual: number, atLeast = false) {
    super("ERR_SIZE_MISMATCH", `${what}: expected ${expected} bytes, got ${atLeast ? "at least " : ""}${actual}`, { fault: "server" });
    this.expected = expected;
    this.actual = actual;
    this.atLeast = atLeast;
  }
}

/** A blob larger than a whole-buffer read allows (readAll is for small JSON documents). */
export class TooLargeError extends ExpError {
  readonly digest: string;
  readonly size: number;
  readonly limit: number;
  constructor(digest: string, size: number, limit: number) {
    super("ERR_TOO_LARGE", `blob ${digest} is ${size} bytes, more than the ${limit}-byte limit for reading it into memory; stream it with read()`);
    this.digest = digest;
    this.size = size;
    this.limit = limit;
  }
}

/** A lease that does not exist, was released, or has expired. */
export class LeaseNotFoundError extends ExpError {
  readonly leaseId: string;
  constructor(leaseId: string, expiredAt?: Date) {
    super(
      "ERR_LEASE_NOT_FOUND",
      expiredAt ? `lease ${JSON.stringify(leaseId)} expired at ${expiredAt.toISOString()}` : `lease ${JSON.stringify(leaseId)} not found`,
    );
    this.leaseId = leaseId;
  }
}

/** `leases.create({ id })` with the id of a live lease. */
export class LeaseExistsError extends ExpError {
  readonly leaseId: string;
  constructor(leaseId: string) {
    super("ERR_LEASE_EXISTS", `lease ${JSON.stringify(leaseId)} already exists`);
    this.leaseId = leaseId;
  }
}

/** A lease id, history id or root name the store cannot use (empty, or not a string). */
export class InvalidNameError extends ExpError {
  readonly value: unknown;
  constructor(kind: string, value: unknown, reason: string) {
    super("ERR_INVALID_NAME", `invalid ${kind} ${JSON.stringify(value)}: ${reason}`);
    this.value = value;
  }
}

/** An argument with the wrong shape: a bad byte range, an invalid Date, a malformed descriptor or label. */
export class InvalidArgumentError extends ExpError {
  constructor(what: string, value: unknown, expected: string) {
    super("ERR_INVALID_ARGUMENT", `invalid ${what} ${describe(value)}; expected ${expected}`);
  }
}

/** A metadata file that is not what this package writes. GC stops rather than guess what it held. */
export class CorruptMetadataError extends ExpError {
  readonly path: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super("ERR_CORRUPT_METADATA", `content store metadata ${path} is corrupt: ${reason}`, { cause, fault: "server" });
    this.path = path;
  }
}

/** A filesystem failure (ENOSPC, EACCES, EIO, ...) while operating on the store. */
export class StoreIoError extends ExpError {
  readonly path: string | undefined;
  constructor(operation: string, cause: unknown) {
    const path = (cause as { path?: unknown } | undefined)?.path;
    const message = cause instanceof Error ? cause.message : String(cause);
    super("ERR_CONTENT_IO", `content store: ${operation} failed: ${message}`, { cause, fault: "server", retryable: isTransient(cause) });
    this.path = typeof path === "string" ? path : undefined;
  }
}

function isTransient(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return code === "EAGAIN" || code === "EBUSY" || code === "EMFILE" || code === "ENFILE";
}

function describe(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Why a directory is not a content store (see inspectStoreRoot). */
export type NotAStoreReason = "missing" | "not-a-directory" | "empty" | "foreign";

const notAStoreCodes: Record<NotAStoreReason, string> = {
  missing: "ERR_STORE_NOT_FOUND",
  "not-a-directory": "ERR_STORE_NOT_A_DIRECTORY",
  empty: "ERR_NOT_A_STORE",
  foreign: "ERR_NOT_A_STORE",
};

/**
 * A path that holds no content store, given where one must already exist (a read-only open, or a
 * command that only removes). Each reason has its own stable code: ERR_STORE_NOT_FOUND (nothing
 * there), ERR_STORE_NOT_A_DIRECTORY (a file), ERR_NOT_A_STORE (a directory that is empty, or holds
 * something else — a mistyped path, a build context).
 */
export class NotAStoreError extends ExpError {
  readonly path: string;
  readonly reason: NotAStoreReason;
  constructor(path: string, reason: NotAStoreReason, detail: string, hint?: string) {
    super(notAStoreCodes[reason], `${path} is not a content store: ${detail}${hint ? `; ${hint}` : ""}`);
    this.path = path;
    this.reason = reason;
  }
}

/** A write through a store opened with `readOnly: true`. */
export class ReadOnlyStoreError extends ExpError {
  readonly operation: string;
  constructor(root: string, operation: string) {
    super("ERR_STORE_READ_ONLY", `cannot ${operation}: the content store at ${root} was opened read-only; open it without readOnly to change it`);
    this.operation = operation;
  }
}

/** A layout or cache directory's `index.json.lock` held by a live export for longer than another is willing to wait. */
export class LayoutLockedError extends ExpError {
  readonly path: string;
  constructor(path: string, cause: Error) {
    super("ERR_CACHE_LOCKED", `${cause.message} (another export into this directory is stuck)`, { cause, fault: "server" });
    this.path = path;
  }
}
