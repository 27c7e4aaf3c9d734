import { ExpError } from "@exp/errors";
import { StoreIoError } from "./errors.js";

// Filesystem failures inside the store surface as StoreIoError (ERR_CONTENT_IO, fault "server")
// so callers branch on one code. Errors that came from the CALLER — a failing source stream, a
// throwing onProgress — are marked foreign and passed through untouched, even when they look like
// system errors (ECONNRESET from a registry socket is not a disk problem).

const foreign = new WeakSet<object>();

export function markForeign<T>(error: T): T {
  if (typeof error === "object" && error !== null) foreign.add(error);
  return error;
}

function isSystemError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof code === "string" && typeof syscall === "string";
}

export function toStoreError(operation: string, error: unknown): unknown {
  if (error instanceof ExpError) return error;
  if (typeof error === "object" && error !== null && foreign.has(error)) return error;
  if (isSystemError(error)) return new StoreIoError(operation, error);
  return error;
}

export async function guarded<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStoreError(operation, error);
  }
}
