import { setTimeout as sleep } from "node:timers/promises";
import { jitteredBackoff } from "@exp/errors";

export interface RetryOptions {
  /**
   * Tries per request, the first included. Default 7: with 10% of requests failing (issue 8's flaky
   * destination), 5 tries lost one request in 100 000, which across the few thousand requests of a
   * hundred exports failed about one CI run in twenty-five; 7 make it one in 10 million per request.
   * The time budget still bounds a dead registry: at most 12.6 s of backoff between 7 tries.
   */
  attempts?: number;
  /** First backoff; doubles each retry. Default 200 ms. */
  baseDelayMs?: number;
  /** Cap for one backoff (and for a Retry-After we are willing to honour). Default 10 s. */
  maxDelayMs?: number;
  /** Total time a request may spend retrying before giving up. Default 60 s. */
  budgetMs?: number;
  /** For tests: where randomness comes from (jitter). */
  random?: () => number;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  budgetMs: number;
  random: () => number;
}

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: Math.max(1, options.attempts ?? 7),
    baseDelayMs: options.baseDelayMs ?? 200,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    budgetMs: options.budgetMs ?? 60_000,
    random: options.random ?? Math.random,
  };
}

/**
 * Delay before retry number `retry` (1-based): exponential with "full jitter" (a random point in
 * [delay/2, delay]) so many clients that failed together do not retry together. A Retry-After from
 * the server wins when it is longer, up to maxDelayMs.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, retryAfterMs?: number): number {
  const jittered = jitteredBackoff(policy, retry, policy.random);
  return retryAfterMs === undefined ? jittered : Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs));
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === "") return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// ECONNREFUSED and the DNS failures are not here: a connection that cannot be made at all gets one
// retry at most (connection-failure.ts), not the whole budget.
const retryableNetworkCodes = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** A transport failure worth another try (a reset or a timeout), as opposed to a TLS or usage error. */
export function isRetryableNetworkError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && retryableNetworkCodes.has(code)) return true;
    if (e.message === "other side closed" || e.message === "socket hang up") return true;
  }
  return false;
}

/** Waits, unless the signal fires first (then rejects with its reason). */
export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, undefined, signal ? { signal } : {});
}
