import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Secret } from "@exp/errors";
import { defaultGhaTuning } from "../tuning.js";
import { serviceFor } from "./cache-service.js";
import { twirpCall } from "./twirp-call.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A service whose every answer is `status` with `headers`; counts the requests. */
async function serve(status: number, headers: Record<string, string>, body = "{}", delayMs = 0): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  server = createServer((_req, res) => {
    requests++;
    setTimeout(() => res.writeHead(status, { "content-type": "application/json", ...headers }).end(body), delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests: () => requests };
}

const policy = (timeoutMs: number) => ({ attempts: 3, baseDelayMs: 50, maxDelayMs: 1_000, tryTimeoutMs: 5_000, timeoutMs });

describe("twirpCall", () => {
  it("backs off on 429 even when Retry-After is 0, and fails at the deadline naming it", async () => {
    const service = await serve(429, { "retry-after": "0" }, JSON.stringify({ code: "resource_exhausted", msg: "slow down" }));
    const failure = await twirpCall({ baseUrl: service.url, token: new Secret("t") }, "CreateCacheEntry", {}, policy(1_500), new AbortController().signal).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_GHA_CACHE", status: 429, twirpCode: "resource_exhausted" });
    // The window closes during a wait (usually) or during a try (on a loaded machine): either way
    // the call fails naming the timeout and the service's last answer.
    expect((failure as Error).message).toMatch(/the next try would come after the timeout|the timeout passed while a try was in flight/);
    // A loop without backoff makes hundreds of requests in 1.5 s; doubling from 50 ms, about six.
    expect(service.requests()).toBeLessThan(12);
  });

  it("names the last answer when the window closes while a try is in flight", async () => {
    // A 429 at once, then answers that come after the call's window has closed.
    let requests = 0;
    server = createServer((_req, res) => {
      const answer = () => res.writeHead(429, { "content-type": "application/json", "retry-after": "0" }).end(JSON.stringify({ code: "resource_exhausted", msg: "slow down" }));
      if (requests++ === 0) answer();
      else setTimeout(answer, 2_000);
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const failure = await twirpCall({ baseUrl: url, token: new Secret("t") }, "CreateCacheEntry", {}, policy(600), new AbortController().signal).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_GHA_CACHE", status: 429, twirpCode: "resource_exhausted" });
    expect((failure as Error).message).toMatch(/the timeout passed while a try was in flight; raise timeout=/);
    expect(requests).toBe(2);
  });

  it("gives up on a 5xx after its tries, and returns a 4xx Twirp error to the caller at once", async () => {
    const failing = await serve(503, {});
    await expect(twirpCall({ baseUrl: failing.url, token: new Secret("t") }, "FinalizeCacheEntryUpload", {}, policy(10_000), new AbortController().signal)).rejects.toMatchObject({ status: 503 });
    expect(failing.requests()).toBe(3);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const conflict = await serve(409, {}, JSON.stringify({ code: "already_exists", msg: "taken" }));
    await expect(twirpCall({ baseUrl: conflict.url, token: new Secret("t") }, "CreateCacheEntry", {}, policy(10_000), new AbortController().signal)).rejects.toMatchObject({ status: 409, twirpCode: "already_exists" });
    expect(conflict.requests()).toBe(1);
  });
});

describe("the service's timeout", () => {
  it("is a window per call, not per export: a call made after a long upload gets the whole of it", async () => {
    // Each answer takes 50 ms: a call left with no window would time out before it.
    const service = await serve(200, {}, JSON.stringify({ ok: false, signed_download_url: "", matched_key: "" }), 50);
    const cache = serviceFor({ serviceUrl: service.url, token: new Secret("t"), timeoutMs: 200 }, defaultGhaTuning);
    expect(await cache.lookup("k", ["k"], new AbortController().signal)).toBeUndefined();
    // Longer than the window: an export-wide deadline would have passed.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await cache.lookup("k", ["k"], new AbortController().signal)).toBeUndefined();
    expect(service.requests()).toBe(2);
  });
});
