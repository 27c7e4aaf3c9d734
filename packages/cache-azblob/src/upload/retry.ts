import { setTimeout as sleep } from "node:timers/promises";
import { connectionFailureAttempts, connectionFailureOf, jitteredBackoff } from "@exp/errors";
import type { ResumeRetry } from "@exp/oci-spec";
import { statusOf } from "../azblob-error.js";

/** How often a streamed request is tried, and how long to wait between tries. */
export interface StreamRetry {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Retries a request whose body is a stream: the pipeline that sends it makes one try (it would
 * resend a consumed stream), so each try here builds the request, and its body, from scratch.
 * What is retried: a 5xx (not 501/505), 408, 429 (the SDK's StorageRetryPolicy does not retry a
 * 429, nor a body cut after the headers), a connection that broke, a try that timed out; a
 * connection that cannot be made is tried once more at most.
 */
export async function retryStreamed<T>(attempt: () => Promise<T>, signal: AbortSignal, policy: StreamRetry): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal.aborted || tried >= attemptsFor(error, policy) || !isRetryable(error)) throw error;
      await sleep(jitteredBackoff(policy, tried), undefined, { signal });
    }
  }
}

/** The same policy for resuming a download whose body broke after its headers (@exp/oci-spec's resumableVerifiedBody). */
export function resumeRetry(policy: StreamRetry): ResumeRetry {
  return { attempts: policy.attempts, delayMs: (retry) => jitteredBackoff(policy, retry), isRetryable };
}

function attemptsFor(error: unknown, policy: StreamRetry): number {
  const failure = connectionFailureOf(error);
  return failure === undefined ? policy.attempts : Math.min(policy.attempts, connectionFailureAttempts[failure.kind]);
}

const networkCodes = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "EAI_AGAIN", "ERR_STREAM_PREMATURE_CLOSE", "REQUEST_SEND_ERROR", "ECONNABORTED"]);

/** A try that went quiet for too long (upload-blob.ts's idle timer, withTryTimeout), retried like a reset. */
export class TryTimeoutError extends Error {
  override readonly name = "TimeoutError";
  readonly code = "ETIMEDOUT";
}

/**
 * One try of `call`, which must be answered within `ms` through the signal it is handed: the
 * SDK's own tryTimeoutInMs did not end a request a silent server held (a HEAD waited the full 30 s
 * of a delay fault), so a dead endpoint would hang the export. The timer stops once the call
 * resolves: a download's body then streams as long as it keeps flowing.
 */
export async function withTryTimeout<T>(ms: number, signal: AbortSignal, call: (trySignal: AbortSignal) => Promise<T>): Promise<T> {
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(new TryTimeoutError(`no answer within ${ms} ms`)), ms);
  try {
    return await call(AbortSignal.any([signal, timer.signal]));
  } catch (error) {
    throw timer.signal.aborted && !signal.aborted ? timer.signal.reason : error;
  } finally {
    clearTimeout(timeout);
  }
}

export function isRetryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined && status !== 0) return (status >= 500 && status !== 501 && status !== 505) || status === 408 || status === 429;
  if (error instanceof TryTimeoutError) return true;
  const e = error as { code?: unknown; name?: unknown; cause?: unknown } | null;
  if (typeof e?.code === "string" && networkCodes.has(e.code)) return true;
  // The SDK's per-try timeout, and a body that broke after the headers, surface as an abort (or a
  // PARSE_ERROR when a small answer's body is cut); retryStreamed never gets here for the caller's own abort.
  if (e?.name === "TimeoutError" || e?.name === "AbortError" || e?.code === "PARSE_ERROR") return true;
  return e?.cause !== undefined && e.cause !== error && isRetryable(e.cause);
}
