import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableNetworkError, parseRetryAfter, retryPolicy } from "./retry.js";
import { isRetryableStatus, redactUrl } from "../errors.js";

describe("defaults", () => {
  // 7 tries: at issue 8's 10% failure rate a request is lost once in 10 million, not once in 100 000.
  it("tries a request 7 times within a 60 s budget, with at most 12.6 s of backoff between the tries", () => {
    const policy = retryPolicy({ random: () => 1 });
    expect(policy).toMatchObject({ attempts: 7, baseDelayMs: 200, maxDelayMs: 10_000, budgetMs: 60_000 });
    expect([1, 2, 3, 4, 5, 6].reduce((sum, n) => sum + backoffDelay(policy, n), 0)).toBe(12_600);
  });
});

describe("backoff", () => {
  it("doubles per retry within [delay/2, delay] and is capped", () => {
    const low = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    const high = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4].map((n) => backoffDelay(low, n))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(high, n))).toEqual([100, 200, 400, 800, 1000]);
  });

  it("honours a longer Retry-After, up to the cap", () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 5000, random: () => 0 });
    expect(backoffDelay(policy, 1, 2000)).toBe(2000);
    expect(backoffDelay(policy, 1, 10)).toBe(50);
    expect(backoffDelay(policy, 1, 60_000)).toBe(5000);
  });

  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("what is retried", () => {
  it("retries 408, 429 and 5xx but never 401/403/404", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413, 501].some(isRetryableStatus)).toBe(false);
  });

  it("retries resets and timeouts found anywhere in the cause chain", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    expect(isRetryableNetworkError(new Error("wrapped", { cause: reset }))).toBe(true);
    expect(isRetryableNetworkError(Object.assign(new Error("cert"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }))).toBe(false);
  });
});

describe("redactUrl", () => {
  it("removes userinfo and token-like query parameters", () => {
    const redacted = redactUrl("https://user:hunter2@r.example/v2/a/blobs/x?X-Amz-Signature=abc&token=t0k&_state=s");
    expect(redacted).not.toContain("hunter2");
    expect(redacted).not.toContain("abc");
    expect(redacted).not.toContain("t0k");
    expect(redacted).toContain("_state=s");
  });
});
