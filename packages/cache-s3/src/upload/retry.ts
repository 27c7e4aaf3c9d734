import { setTimeout as sleep } from "node:timers/promises";
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
 * a 5xx, a 429 or a throttling code, or a connection that broke.
 */
export async function retryStreamed<T>(attempt: () => Promise<T>, signal: AbortSignal, policy: StreamRetry = defaultStreamRetry): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal.aborted || tried >= policy.attempts || !isRetryable(error)) throw error;
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (tried - 1));
      await sleep(delay / 2 + (Math.random() * delay) / 2, undefined, { signal });
    }
  }
}

const networkCodes = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "ERR_STREAM_PREMATURE_CLOSE"]);

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || e.name === "SlowDown" || e.name === "RequestTimeout";
  if (e.$retryable) return true;
  return (typeof e.code === "string" && networkCodes.has(e.code)) || e.name === "TimeoutError";
}
