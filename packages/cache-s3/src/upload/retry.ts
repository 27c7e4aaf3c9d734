import { setTimeout as sleep } from "node:timers/promises";
import { jitteredBackoff } from "@exp/errors";
import type { ResumeRetry } from "@exp/oci-spec";
import { connectionFailureAttempts, connectionFailureOf } from "../connection-failure.js";
import { S3_MAX_ATTEMPTS } from "../s3-client.js";

/** How often a streamed request is tried, and how long to wait between tries. */
export interface StreamRetry {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The SDK's standard retry mode (backoff from 100 ms, capped at 20 s), with as many tries as s3Client's. */
export const defaultStreamRetry: StreamRetry = { attempts: S3_MAX_ATTEMPTS, baseDelayMs: 100, maxDelayMs: 20_000 };

/**
 * Retries a request whose body is a stream. The SDK's own retry would resend the stream it already
 * consumed, so the client used for streamed bodies makes one attempt, and each try here opens a new
 * body (`attempt` builds the request from scratch). Only failures the SDK would retry are retried:
 * a 5xx, a 429 or a throttling code, or a connection that broke; a connection that could not be
 * made at all (refused, a name that did not resolve) is tried once more at most.
 */
export async function retryStreamed<T>(attempt: () => Promise<T>, signal: AbortSignal, policy: StreamRetry = defaultStreamRetry): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal.aborted || tried >= attemptsFor(error, policy) || !isRetryable(error)) throw withAttempts(error, tried);
      await sleep(jitteredBackoff(policy, tried), undefined, { signal });
    }
  }
}

/** The same policy for resuming a GetObject body that broke after its headers (@exp/oci-spec's resumableVerifiedBody). */
export function resumeRetry(policy: StreamRetry = defaultStreamRetry): ResumeRetry {
  return { attempts: policy.attempts, delayMs: (retry) => jitteredBackoff(policy, retry), isRetryable };
}

/** A connection that cannot be made gets one retry at most (connection-failure.ts); anything else the whole policy. */
function attemptsFor(error: unknown, policy: StreamRetry): number {
  const failure = connectionFailureOf(error);
  return failure === undefined ? policy.attempts : Math.min(policy.attempts, connectionFailureAttempts[failure.kind]);
}

/** The tries made, where the SDK keeps them on its errors (its client here makes one per call), for S3CacheError's message. */
function withAttempts(error: unknown, tried: number): unknown {
  const metadata = (error as { $metadata?: unknown } | null)?.$metadata;
  if (typeof metadata === "object" && metadata !== null) (metadata as { attempts?: number }).attempts = tried;
  return error;
}

const networkCodes = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "EAI_AGAIN", "ERR_STREAM_PREMATURE_CLOSE"]);

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || e.name === "SlowDown" || e.name === "RequestTimeout";
  if (e.$retryable) return true;
  return (typeof e.code === "string" && networkCodes.has(e.code)) || e.name === "TimeoutError";
}
