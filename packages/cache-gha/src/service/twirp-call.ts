import { setTimeout as sleep } from "node:timers/promises";
import { connectionFailureAttempts, connectionFailureOf, jitteredBackoff, type Secret } from "@exp/errors";
import { GhaCacheError } from "../gha-error.js";

/** Tries and waits of one service call. */
export interface CallPolicy {
  /** Tries of a call that fails with a 5xx, a broken connection or a timeout, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long one try may wait for its answer. */
  tryTimeoutMs: number;
  /**
   * How long one call may keep trying, waits included (BuildKit's `timeout`, which
   * go-actions-cache's doWithRetries applies to each request: its deadline is set per call, so a
   * long export's later calls get the whole window too).
   */
  timeoutMs: number;
}

export interface TwirpTarget {
  /** The service's base URL (ACTIONS_RESULTS_URL). */
  baseUrl: string;
  token: Secret;
}

const SERVICE = "twirp/github.actions.results.api.v1.CacheService";

/** A Twirp error the service answered with: its code and HTTP status. */
export class TwirpError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    readonly twirpCode: string | undefined,
    readonly twirpMessage: string | undefined,
  ) {
    super(`${method}: ${twirpCode ?? "error"} (HTTP ${status})${twirpMessage ? `: ${twirpMessage}` : ""}`);
  }
}

/**
 * One Twirp JSON call (POST <base>/twirp/github.actions.results.api.v1.CacheService/<method>), as
 * go-actions-cache's doWithRetries makes it (cache.go): a 429 waits its Retry-After (or backs off
 * without one) as long as the deadline allows, and is then tried again; exp also retries what
 * BuildKit leaves to its HTTP client's defaults: a 5xx, a connection that broke, a try that timed
 * out. Any other error status is a TwirpError for the caller to read (already_exists, not_found).
 */
export async function twirpCall(target: TwirpTarget, method: string, body: unknown, policy: CallPolicy, signal: AbortSignal): Promise<unknown> {
  const url = `${target.baseUrl.replace(/\/+$/, "")}/${SERVICE}/${method}`;
  let failures = 0;
  let throttled = 0;
  /** The service's last refusal (a 429, a 5xx): what a call that runs out of time reports. */
  let lastAnswer: TwirpError | undefined;
  const deadline = Date.now() + policy.timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    let answer: Response;
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(policy.tryTimeoutMs, deadline - Date.now())));
    try {
      answer = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${target.token.reveal()}`, "content-type": "application/json", accept: "application/json", "user-agent": "exp" },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      signal.throwIfAborted();
      // The call's window closed while this try was in flight (its timeout is what is left of the
      // window): the same failure as a wait that would pass the deadline, naming the last answer.
      if (Date.now() >= deadline) throw deadlineError(method, lastAnswer ?? error, "the timeout passed while a try was in flight; raise timeout=");
      failures++;
      const failure = connectionFailureOf(error);
      const attempts = failure ? Math.min(policy.attempts, connectionFailureAttempts[failure.kind]) : policy.attempts;
      if (failures >= attempts) throw new GhaCacheError(`calling ${method}`, { cause: error, message: timeout.aborted ? `no answer within ${policy.tryTimeoutMs} ms` : "the request failed" });
      await wait(jitteredBackoff(policy, failures), deadline, method, signal, lastAnswer ?? error);
      continue;
    }
    const text = await answer.text().catch(() => "");
    if (answer.ok) {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new GhaCacheError(`calling ${method}`, { status: answer.status, message: "the answer is not JSON", cause: error });
      }
    }
    const twirp = parseTwirpError(text);
    if (answer.status === 429) {
      // Not counted against the tries: the service said when to come back (go-actions-cache does
      // the same). Never sooner than a growing backoff, though: "Retry-After: 0" on every answer
      // would otherwise be a loop of requests until the deadline.
      const retryAfter = parseRetryAfter(answer.headers.get("retry-after")) ?? 0;
      lastAnswer = new TwirpError(method, 429, twirp.code, twirp.msg);
      await wait(Math.max(retryAfter, jitteredBackoff(policy, ++throttled)), deadline, method, signal, lastAnswer);
      continue;
    }
    if (answer.status >= 500 && answer.status !== 501 && answer.status !== 505 && ++failures < policy.attempts) {
      lastAnswer = new TwirpError(method, answer.status, twirp.code, twirp.msg);
      await wait(jitteredBackoff(policy, failures), deadline, method, signal, lastAnswer);
      continue;
    }
    throw new TwirpError(method, answer.status, twirp.code, twirp.msg);
  }
}

/** Waits `ms` unless that would pass the deadline, which fails the call as go-actions-cache's sleepWithTimeout does. */
async function wait(ms: number, deadline: number, method: string, signal: AbortSignal, last: unknown): Promise<void> {
  const left = deadline - Date.now();
  if (ms > left) throw deadlineError(method, last, `the next try would come after the timeout (a wait of ${Math.ceil(ms / 1000)} s, ${Math.max(0, Math.floor(left / 1000))} s left; raise timeout=)`);
  await sleep(ms, undefined, { signal });
}

/** A call that ran out of its window, with the status and Twirp code of the service's last answer, if any. */
function deadlineError(method: string, last: unknown, message: string): GhaCacheError {
  const detail = last instanceof TwirpError ? { status: last.status, ...(last.twirpCode ? { twirpCode: last.twirpCode } : {}) } : {};
  return new GhaCacheError(`calling ${method}`, { ...detail, cause: last, message });
}

/** Retry-After in seconds or as an HTTP date, in milliseconds (go-actions-cache's parseRetryAfter). */
export function parseRetryAfter(header: string | null): number | undefined {
  const text = header?.trim();
  if (!text) return undefined;
  if (/^-?\d+$/.test(text)) return Math.max(0, Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function parseTwirpError(text: string): { code?: string; msg?: string } {
  try {
    const parsed = JSON.parse(text) as { code?: unknown; msg?: unknown; message?: unknown };
    return {
      ...(typeof parsed.code === "string" ? { code: parsed.code } : {}),
      ...(typeof parsed.msg === "string" ? { msg: parsed.msg } : typeof parsed.message === "string" ? { msg: parsed.message } : {}),
    };
  } catch {
    return {};
  }
}
