import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { isExpError } from "@exp/errors";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";
import { Link } from "./link.js";
import { rawRequest } from "./test-support.js";

/** What the upstream saw: proves whether a faulted request reached it, and with how many bytes. */
interface Seen {
  method: string;
  url: string;
  bytes: number;
  complete: boolean;
  host: string | undefined;
}

/**
 * A small upstream with known behaviour:
 *   GET  /bytes/N        N bytes with Content-Length ("?chunked" for chunked encoding)
 *   HEAD /empty          200, empty body
 *   *    /echo           201 {"received": bytes}
 *   GET  /redirect       202 with absolute Location headers (to itself, and to elsewhere) and a relative one
 *   GET  /stream         one chunk, then the rest once /stream-release is requested
 *   POST /upload-gated   resolves `firstChunk` on the first body chunk, then answers with the total
 */
async function startUpstream() {
  const seen: Seen[] = [];
  let release: (() => void) | undefined;
  let onFirstChunk: (() => void) | undefined;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const record: Seen = { method: req.method ?? "", url: req.url ?? "", bytes: 0, complete: false, host: req.headers.host };
    seen.push(record);
    req.on("data", (chunk: Buffer) => {
      if (record.bytes === 0 && req.url === "/upload-gated") onFirstChunk?.();
      record.bytes += chunk.length;
    });
    req.on("end", () => {
      record.complete = true;
      const url = new URL(req.url ?? "/", "http://x");
      const size = Number(url.pathname.split("/")[2] ?? 0);
      if (url.pathname.startsWith("/bytes/")) {
        const body = Buffer.alloc(size, 0x61);
        if (url.searchParams.has("chunked")) {
          res.writeHead(200, { "content-type": "application/octet-stream" });
          res.write(body.subarray(0, size >> 1));
          res.end(body.subarray(size >> 1));
        } else {
          res.writeHead(200, { "content-length": size, "content-type": "application/octet-stream" }).end(body);
        }
      } else if (url.pathname === "/empty") {
        res.writeHead(200, { "content-length": 0 }).end();
      } else if (url.pathname === "/redirect") {
        res.writeHead(202, [
          ["Location", `http://${req.headers.host}/v2/next?_state=abc&x=1`],
          ["Content-Location", "http://127.0.0.2:9/elsewhere"],
          ["Link", "</v2/relative>; rel=next"],
          ["X-Upload", "a"],
          ["X-Upload", "b"],
        ].flat()).end();
      } else if (url.pathname === "/stream") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first;");
        release = () => res.end("rest");
      } else if (url.pathname === "/stream-release") {
        release?.();
        res.writeHead(204).end();
      } else {
        const text = JSON.stringify({ received: record.bytes });
        res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    firstChunk: () => new Promise<void>((resolve) => (onFirstChunk = resolve)),
    stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

type Upstream = Awaited<ReturnType<typeof startUpstream>>;

describe("startFaultProxy", () => {
  let upstream: Upstream;
  let proxy: FaultProxy;
  beforeAll(async () => {
    upstream = await startUpstream();
    proxy = await startFaultProxy({ target: upstream.url });
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.stop();
  });
  afterEach(() => {
    proxy.setRules([]);
    proxy.reset();
    upstream.seen.length = 0;
  });

  it("forwards requests and bodies, sets Host to the target, and counts what it forwarded", async () => {
    expect(proxy.url).toBe(`http://${proxy.host}`);
    const body = Buffer.alloc(100_000, 1);
    const res = await rawRequest(`${proxy.url}/echo?q=1`, { method: "PUT", body, headers: { "content-type": "application/octet-stream" } });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body.toString())).toEqual({ received: 100_000 });
    expect(upstream.seen).toEqual([{ method: "PUT", url: "/echo?q=1", bytes: 100_000, complete: true, host: new URL(upstream.url).host }]);
    const get = await rawRequest(`${proxy.url}/bytes/5000?chunked`);
    expect([get.status, get.body.length, get.complete]).toEqual([200, 5000, true]);
    expect(proxy.stats).toMatchObject({ requests: 2, faults: 0, byMethod: { PUT: 1, GET: 1 }, requestBytes: 100_000 });
    expect(proxy.stats.log.map(({ headers: _headers, startedAt: _startedAt, endedAt: _endedAt, ...rest }) => rest)).toEqual([
      { method: "PUT", path: "/echo?q=1", status: 201, requestBytes: 100_000 },
      { method: "GET", path: "/bytes/5000?chunked", status: 200, requestBytes: 0 },
    ]);
  });

  it("streams a chunked request body through before the client has finished sending it", async () => {
    const firstChunk = upstream.firstChunk();
    const req = request(`${proxy.url}/upload-gated`, { method: "POST", agent: false });
    const response = new Promise<IncomingMessage>((resolve, reject) => req.on("response", resolve).on("error", reject));
    req.write(Buffer.alloc(1000, 2));
    await firstChunk; // would never resolve if the proxy buffered the whole body
    req.end(Buffer.alloc(500, 3));
    const res = await response;
    const text = await new Promise<string>((resolve) => {
      let s = "";
      res.on("data", (c: Buffer) => (s += c.toString())).on("end", () => resolve(s));
    });
    expect(JSON.parse(text)).toEqual({ received: 1500 });
  });

  it("counts open requests and records when each ended, also one whose client went away mid-upload", async () => {
    const before = Date.now();
    const done = await rawRequest(`${proxy.url}/echo`, { method: "PUT", body: "x" });
    expect(done.status).toBe(201);
    const firstChunk = upstream.firstChunk();
    const req = request(`${proxy.url}/upload-gated`, { method: "POST", agent: false });
    req.on("error", () => {}); // destroyed on purpose below
    req.write(Buffer.alloc(1000, 2));
    await firstChunk;
    const [finished, gated] = proxy.stats.log;
    expect(proxy.stats.open).toBe(1);
    expect(finished!.startedAt).toBeGreaterThanOrEqual(before);
    expect(finished!.endedAt).toBeGreaterThanOrEqual(finished!.startedAt);
    expect(gated!.endedAt).toBeUndefined();
    // The client gives up half way through its body: the proxy must see that exchange end.
    const cancelledAt = Date.now();
    req.destroy();
    while (proxy.stats.open > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(gated!.endedAt).toBeGreaterThanOrEqual(cancelledAt);
    // reset() clears the log but not the count of requests still open.
    proxy.reset();
    expect(proxy.stats.open).toBe(0);
  });

  it.each([
    [true, "is seen to go away at once"],
    [false, "is seen only once its queued bytes have gone through (watchClientClose: false, the bench's links)"],
  ])("a client that gives up while the link holds its body back, close watch %s, %s", async (watch) => {
    // 64 KiB/s: the 4 MiB body sits in kernel buffers, the client's FIN queued behind it.
    const slow = await startFaultProxy({ target: upstream.url, link: { bytesPerSecond: 64 * 1024 }, ...(watch ? {} : { watchClientClose: false }) });
    try {
      const req = request(`${slow.url}/echo`, { method: "PUT", agent: false, headers: { "content-length": String(4 << 20) } });
      req.on("error", () => {}); // destroyed on purpose below
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(1 << 20, 1));
      while (!slow.stats.log[0] || slow.stats.log[0].requestBytes === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const gaveUpAt = Date.now();
      req.destroy();
      while (slow.stats.open > 0 && Date.now() - gaveUpAt < (watch ? 3000 : 1000)) await new Promise((resolve) => setTimeout(resolve, 10));
      if (!watch) {
        // Unwatched, the exchange is still open: the proxy is reading the bytes queued before the FIN.
        expect(slow.stats.open).toBe(1);
        return;
      }
      expect(slow.stats.open).toBe(0);
      expect(slow.stats.log[0]!.endedAt! - gaveUpAt).toBeLessThan(500);
      expect(slow.stats.log[0]!.requestBytes).toBeLessThan(1 << 20);
    } finally {
      await slow.stop();
    }
  });

  it("with a link, a body's end never overtakes its last chunk (every byte reaches the target)", async () => {
    // Each chunk waits its turn; the body's end, which arrives together with the last chunk, has
    // nothing of its own to send. It must still go after that chunk, however the link times them.
    class ChunksWait extends Link {
      override async send(bytes: number): Promise<void> {
        if (bytes > 0) await new Promise((resolve) => setTimeout(resolve, 15));
      }
    }
    const linked = await startFaultProxy({ target: upstream.url, link: new ChunksWait({ bytesPerSecond: 1 }) });
    try {
      const outcomes: string[] = [];
      for (const size of [1, 4_000, 70_000, 150_000]) {
        const res = await rawRequest(`${linked.url}/echo`, { method: "PUT", body: Buffer.alloc(size, 7) });
        outcomes.push(`${res.status} ${res.body.toString().slice(0, 120)}`);
      }
      expect(outcomes).toEqual([1, 4_000, 70_000, 150_000].map((size) => `201 ${JSON.stringify({ received: size })}`));
    } finally {
      await linked.stop();
    }
  });

  it("streams a response body through before the target has finished it", async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => request(`${proxy.url}/stream`, { agent: false }, resolve).on("error", reject).end());
    const first = await new Promise<string>((resolve) => res.once("data", (c: Buffer) => resolve(c.toString())));
    expect(first).toBe("first;"); // would never arrive if the proxy buffered the whole body
    const rest = new Promise<string>((resolve) => {
      let s = "";
      res.on("data", (c: Buffer) => (s += c.toString())).on("end", () => resolve(s));
    });
    expect((await rawRequest(`${proxy.url}/stream-release`)).status).toBe(204);
    expect(await rest).toBe("rest");
  });

  it("rewrites absolute Location headers that point at the target to the proxy, and nothing else", async () => {
    const res = await rawRequest(`${proxy.url}/redirect`);
    expect(res.status).toBe(202);
    expect(res.headers?.location).toBe(`${proxy.url}/v2/next?_state=abc&x=1`);
    expect(res.headers?.["content-location"]).toBe("http://127.0.0.2:9/elsewhere");
    expect(res.headers?.link).toBe("</v2/relative>; rel=next");
    expect(res.headers?.["x-upload"]).toBe("a, b"); // repeated headers survive
  });

  it("status fault: answers with the status and Retry-After after discarding the body; nothing reaches the target", async () => {
    proxy.setRules([{ match: { method: "PUT" }, fault: { type: "status", status: 503, retryAfter: 2 } }]);
    const body = Buffer.alloc(200_000, 7);
    const res = await rawRequest(`${proxy.url}/echo`, { method: "PUT", body });
    expect(res.status).toBe(503);
    expect(res.headers?.["retry-after"]).toBe("2");
    expect(JSON.parse(res.body.toString())).toMatchObject({ errors: [{ code: "FAULT_INJECTED" }] });
    expect(upstream.seen).toEqual([]);
    expect(proxy.stats.log.map(({ headers: _headers, startedAt: _startedAt, endedAt: _endedAt, ...rest }) => rest)).toEqual([{ method: "PUT", path: "/echo", status: 503, fault: "status", requestBytes: 200_000 }]);
    expect(proxy.stats).toMatchObject({ faults: 1, requestBytes: 0 });
    // GET does not match the rule and goes through.
    expect((await rawRequest(`${proxy.url}/bytes/3`)).status).toBe(200);
  });

  it("status fault: custom body and headers", async () => {
    proxy.setRules([{ fault: { type: "status", status: 401, body: "nope", headers: { "www-authenticate": 'Basic realm="x"' } } }]);
    const res = await rawRequest(`${proxy.url}/v2/`);
    expect([res.status, res.body.toString(), res.headers?.["www-authenticate"], res.headers?.["content-type"]]).toEqual([401, "nope", 'Basic realm="x"', "text/plain"]);
  });

  it("reset-request: drops the connection after reading afterBytes, without an answer; nothing reaches the target", async () => {
    proxy.setRules([{ match: { path: /^\/echo/ }, fault: { type: "reset-request", afterBytes: 10_000 } }]);
    const res = await rawRequest(`${proxy.url}/echo`, { method: "POST", body: Array.from({ length: 64 }, () => Buffer.alloc(16_384, 1)) });
    expect(res.status).toBeUndefined();
    expect(res.error?.code).toMatch(/ECONNRESET|EPIPE/);
    expect(upstream.seen).toEqual([]);
    const entry = proxy.stats.log[0]!;
    expect(entry.fault).toBe("reset-request");
    expect(entry.status).toBeUndefined();
    expect(entry.requestBytes).toBeGreaterThanOrEqual(10_000);
    expect(entry.requestBytes).toBeLessThan(64 * 16_384);
  });

  it("reset-request with afterBytes 0 drops even a bodiless request", async () => {
    proxy.setRules([{ fault: { type: "reset-request", afterBytes: 0 } }]);
    const res = await rawRequest(`${proxy.url}/bytes/10`);
    expect(res.status).toBeUndefined();
    expect(res.error?.code).toMatch(/ECONNRESET|EPIPE/);
    expect(upstream.seen).toEqual([]);
  });

  it("cut-request: forwards exactly afterBytes of the body, then drops both connections", async () => {
    proxy.setRules([{ match: { path: /^\/echo/ }, fault: { type: "cut-request", afterBytes: 10_000 } }]);
    const res = await rawRequest(`${proxy.url}/echo`, { method: "POST", body: Array.from({ length: 64 }, () => Buffer.alloc(16_384, 1)) });
    expect(res.status).toBeUndefined();
    expect(res.error?.code).toMatch(/ECONNRESET|EPIPE/);
    // The target got the bytes and then lost its client: the body never ended.
    await vi.waitFor(() => expect(upstream.seen.map((s) => [s.url, s.bytes, s.complete])).toEqual([["/echo", 10_000, false]]));
    const entry = proxy.stats.log[0]!;
    expect([entry.fault, entry.status, entry.requestBytes, proxy.stats.requestBytes]).toEqual(["cut-request", undefined, 10_000, 10_000]);
  });

  it("reset-response: forwards, then cuts the body after exactly afterBytes", async () => {
    proxy.setRules([{ match: { path: /^\/bytes/ }, fault: { type: "reset-response", afterBytes: 1000 } }]);
    for (const path of ["/bytes/50000", "/bytes/50000?chunked"]) {
      const res = await rawRequest(`${proxy.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.body.length, path).toBe(1000);
      expect(res.complete, path).toBe(false);
      expect(res.error, path).toBeDefined();
    }
    expect(upstream.seen.map((s) => s.url)).toEqual(["/bytes/50000", "/bytes/50000?chunked"]);
    expect(proxy.stats.log.map((e) => [e.fault, e.status])).toEqual([["reset-response", 200], ["reset-response", 200]]);
  });

  it("reset-response: a body shorter than afterBytes is cut one byte short; an empty one before the headers", async () => {
    proxy.setRules([{ fault: { type: "reset-response", afterBytes: 1000 } }]);
    const short = await rawRequest(`${proxy.url}/bytes/10`);
    expect([short.status, short.body.length, short.complete]).toEqual([200, 9, false]);
    const empty = await rawRequest(`${proxy.url}/empty`, { method: "HEAD" });
    expect(empty.status).toBeUndefined();
    expect(empty.error).toBeDefined();
  });

  it("delay: holds the matching request back while others pass", async () => {
    proxy.setRules([{ match: { path: /slow/ }, fault: { type: "delay", ms: 300 } }]);
    const order: string[] = [];
    const started = Date.now();
    const slow = rawRequest(`${proxy.url}/echo/slow`, { method: "POST", body: "x" }).then((r) => (order.push("slow"), r));
    const fast = rawRequest(`${proxy.url}/echo/fast`, { method: "POST", body: "y" }).then((r) => (order.push("fast"), r));
    const [slowRes, fastRes] = await Promise.all([slow, fast]);
    expect([slowRes.status, fastRes.status]).toEqual([201, 201]);
    expect(order).toEqual(["fast", "slow"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(proxy.stats.log.find((e) => e.path === "/echo/slow")).toMatchObject({ fault: "delay", status: 201, requestBytes: 1 });
  });

  it("too-large: 413 for a declared Content-Length over the limit, without forwarding", async () => {
    proxy.setRules([{ fault: { type: "too-large", maxBytes: 1000 } }]);
    const res = await rawRequest(`${proxy.url}/echo`, { method: "PUT", body: Buffer.alloc(5000) });
    expect(res.status).toBe(413);
    expect(upstream.seen).toEqual([]);
    const ok = await rawRequest(`${proxy.url}/echo`, { method: "PUT", body: Buffer.alloc(1000) });
    expect(ok.status).toBe(201);
    expect(proxy.stats.faults).toBe(1); // the request that fit was not a fault
  });

  it("too-large: 413 when a chunked body streams past the limit", async () => {
    proxy.setRules([{ fault: { type: "too-large", maxBytes: 1000 } }]);
    const res = await rawRequest(`${proxy.url}/echo`, { method: "POST", body: [Buffer.alloc(600), Buffer.alloc(600), Buffer.alloc(600)] });
    expect(res.status).toBe(413);
    expect(proxy.stats.log[0]).toMatchObject({ fault: "too-large", status: 413, requestBytes: 1800 });
    expect(proxy.stats.requestBytes).toBeLessThanOrEqual(1000);
    expect(upstream.seen.every((s) => !s.complete || s.bytes <= 1000)).toBe(true);
  });

  it("nth rules fault exactly the chosen requests", async () => {
    proxy.setRules([{ match: { method: "GET" }, nth: [2, 4], fault: { type: "status", status: 500 } }]);
    const statuses: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await rawRequest(`${proxy.url}/bytes/1`)).status);
    expect(statuses).toEqual([200, 500, 200, 500, 200]);
  });

  it("probability rules with a seed repeat after reset() and across proxies with the same seed", async () => {
    const rules = [{ probability: 0.5, fault: { type: "status" as const, status: 503 } }];
    const run = async (p: FaultProxy) => {
      let s = "";
      for (let i = 0; i < 16; i++) s += (await rawRequest(`${p.url}/bytes/1`)).status === 503 ? "1" : "0";
      return s;
    };
    const seeded = await startFaultProxy({ target: upstream.url, rules, seed: 1234 });
    const twin = await startFaultProxy({ target: upstream.url, rules, seed: 1234 });
    try {
      const first = await run(seeded);
      expect(first).toMatch(/^(?=.*1)(?=.*0)/);
      seeded.reset();
      expect(await run(seeded)).toBe(first);
      expect(await run(twin)).toBe(first);
      expect(seeded.stats.faults).toBe([...first].filter((c) => c === "1").length);
    } finally {
      await seeded.stop();
      await twin.stop();
    }
  });

  it("answers 502 when the target is down", async () => {
    const dead = await startUpstream();
    await dead.stop();
    const p = await startFaultProxy({ target: dead.url });
    try {
      const res = await rawRequest(`${p.url}/v2/`);
      expect(res.status).toBe(502);
      expect(p.stats.log[0]).toMatchObject({ status: 502 });
      expect(p.stats.log[0]!.fault).toBeUndefined();
    } finally {
      await p.stop();
    }
  });
});

describe("startFaultProxy safety and lifecycle", () => {
  it.each(["http://10.0.0.1:5000", "http://example.com", "http://127.0.0.1.nip.io:80", "https://[2001:db8::1]/", "ftp://127.0.0.1/", "not a url"])(
    "rejects the non-loopback target %s with a typed error",
    async (target) => {
      const error = await startFaultProxy({ target }).catch((e: unknown) => e);
      expect(isExpError(error, "ERR_NON_LOOPBACK_TARGET")).toBe(true);
    },
  );

  it.each(["http://127.0.0.1:1", "http://127.1.2.3:1", "http://localhost:1", "http://[::1]:1"])("accepts the loopback target %s", async (target) => {
    const proxy = await startFaultProxy({ target });
    await proxy.stop();
  });

  it("stop() frees the port and is safe to call twice", async () => {
    const proxy = await startFaultProxy({ target: "http://127.0.0.1:1" });
    const port = Number(proxy.host.split(":")[1]);
    await proxy.stop();
    await proxy.stop();
    expect((await rawRequest(`${proxy.url}/`)).error?.code).toBe("ECONNREFUSED");
    const free = await new Promise<boolean>((resolve) => {
      const server = createNetServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    expect(free).toBe(true);
  });

  it("aborting its signal stops it", async () => {
    const controller = new AbortController();
    const proxy = await startFaultProxy({ target: "http://127.0.0.1:1", signal: controller.signal });
    controller.abort();
    await proxy.stop();
    expect((await rawRequest(`${proxy.url}/`)).error?.code).toBe("ECONNREFUSED");
  });

  it("rejects malformed rules when they are set", async () => {
    const proxy = await startFaultProxy({ target: "http://127.0.0.1:1" });
    try {
      expect(() => proxy.setRules([{ probability: -1, fault: { type: "delay", ms: 1 } }])).toThrow(/probability/);
    } finally {
      await proxy.stop();
    }
  });
});
