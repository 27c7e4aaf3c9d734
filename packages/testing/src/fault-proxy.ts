import { readFile } from "node:fs/promises";
import { ClientCloseWatch } from "./client-close-watch.js";
import { Link, type LinkOptions } from "./link.js";
import { Agent as HttpAgent, createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { throwIfAborted } from "@exp/errors";
import { onAbort, raceAbort } from "./abort.js";
import { FaultPicker, validateRules, type Fault, type FaultRule, type FaultType } from "./fault-rules.js";
import { endToEndHeaders } from "./http-headers.js";
import { parseLoopbackUrl } from "./loopback.js";

export interface FaultProxyOptions {
  /** Forward the client's Host header instead of the target's (for signed requests such as S3's SigV4). */
  preserveHost?: boolean;
  /**
   * Model a slower network: request bodies share this bandwidth, and each request waits the
   * latency. A Link instance may be shared by several proxies (one uplink for a registry and S3).
   */
  link?: LinkOptions | Link;
  /** Where to forward, e.g. `http://127.0.0.1:5000`. Must be a loopback address. Only its origin is used. */
  target: string;
  /** For an https target: the CA certificate to trust, as PEM text or a path to a PEM file. */
  ca?: string;
  rules?: FaultRule[];
  /** Seed of the PRNG behind `probability` rules. Default 1, so runs are reproducible even without one. */
  seed?: number;
  /**
   * Default true: while a request body is held back, poll the kernel's connection table so that a
   * client that closed is dropped at once (see client-close-watch.ts). Each poll reads the whole
   * table, every 50 ms per proxy: the bench's links, whose clients never give up mid-body, turn it
   * off (it was a third of their CPU, taken from the processes the bench measures).
   */
  watchClientClose?: boolean;
  /** Aborting while starting rejects with AbortedError; aborting later stops the proxy. */
  signal?: AbortSignal;
}

export interface FaultLogEntry {
  method: string;
  /** The request target as received (path and query). */
  path: string;
  /** The status the client was sent (the target's, or the injected one); absent when it got none. */
  status?: number;
  /** The fault injected into this request, if any. */
  fault?: FaultType;
  /** Request-body bytes read from the client for this request. */
  requestBytes: number;
  /** The request's header names, lower-case, with `content-encoding` and `x-amz-*` values kept (to check what a client sends). */
  headers: Record<string, string>;
  /** When the proxy received the request (Date.now(), so a test can compare it with when it sent a signal). */
  startedAt: number;
  /**
   * When the exchange with the client ended: the response was sent in full, or the connection
   * closed (the client went away, or a fault cut it). Absent while the request is still open.
   */
  endedAt?: number;
}

export interface FaultProxyStats {
  requests: number;
  /** Faults actually injected (a too-large rule whose body fits does not count). */
  faults: number;
  byMethod: Record<string, number>;
  /** Request-body bytes forwarded to the target. */
  requestBytes: number;
  /**
   * Requests whose exchange with the client has not ended yet (see FaultLogEntry.endedAt): how a
   * test sees that a cancelled client really stopped its requests. reset() leaves it alone, since
   * those requests are still open.
   */
  open: number;
  log: FaultLogEntry[];
}

export interface FaultProxy {
  /** "http://127.0.0.1:PORT": use it in place of the target's URL. */
  url: string;
  /** "127.0.0.1:PORT" */
  host: string;
  /** Live counters; the same object for the proxy's whole life (reset() clears it in place). */
  readonly stats: FaultProxyStats;
  /** Replaces the rules; rule counters and the PRNG start over. */
  setRules(rules: FaultRule[]): void;
  /** Clears the stats and restarts rule counters and the PRNG (the rules stay). */
  reset(): void;
  stop(): Promise<void>;
}

/**
 * An HTTP/1.1 reverse proxy on 127.0.0.1 in front of one loopback target, which injects faults.
 * Bodies stream through in both directions (never buffered whole). Absolute `Location` headers that
 * point at the target are rewritten to the proxy, because the registry answers uploads with absolute
 * URLs and a client following them would otherwise bypass the proxy. The proxy only reacts to
 * requests; it never makes a request of its own and never connects anywhere but the target.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { signal } = options;
  throwIfAborted(signal, "startFaultProxy");
  const target = parseLoopbackUrl(options.target);
  const secure = target.protocol === "https:";
  // "localhost" may resolve to ::1 while the server listens on 127.0.0.1 only: connect by address.
  const connectHost = target.hostname === "localhost" ? "127.0.0.1" : target.hostname.replace(/^\[|\]$/g, "");
  const port = Number(target.port || (secure ? 443 : 80));
  const servername = target.hostname === "localhost" ? "localhost" : undefined;
  const ca = options.ca === undefined ? undefined : options.ca.includes("-----BEGIN") ? options.ca : await readFile(options.ca, "utf8");
  const link = options.link === undefined ? undefined : options.link instanceof Link ? options.link : new Link(options.link);
  const agent = secure ? new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) }) : new HttpAgent({ keepAlive: true });

  const seed = options.seed ?? 1;
  let rules = options.rules ?? [];
  let picker = new FaultPicker(rules, seed);
  const stats: FaultProxyStats = { requests: 0, faults: 0, byMethod: {}, requestBytes: 0, open: 0, log: [] };
  const timers = new Set<NodeJS.Timeout>();
  const closeWatch = new ClientCloseWatch();
  let proxyOrigin = "";

  const rewriteLocation = (name: string, value: string): string => {
    if (name !== "location" && name !== "content-location") return value;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return value; // relative: already resolves against the proxy
    }
    return url.origin === target.origin ? `${proxyOrigin}${url.pathname}${url.search}${url.hash}` : value;
  };

  const injected = (entry: FaultLogEntry, type: FaultType) => {
    entry.fault = type;
    stats.faults++;
  };

  /** Reads and throws away the rest of the request body, then calls `then` (never if the client goes away). */
  const discardBody = (req: IncomingMessage, entry: FaultLogEntry, then: () => void) => {
    req.removeAllListeners("data");
    req.on("data", (chunk: Buffer) => (entry.requestBytes += chunk.length));
    if (req.readableEnded) then();
    else req.once("end", then);
    req.resume();
  };

  const answer = (res: ServerResponse, entry: FaultLogEntry, status: number, headers: Record<string, string>, body: string) => {
    if (res.headersSent || res.destroyed) return;
    entry.status = status;
    res.writeHead(status, { "content-type": body.startsWith("{") ? "application/json" : "text/plain", "content-length": Buffer.byteLength(body), ...headers });
    res.end(body);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, entry: FaultLogEntry, mode: { maxBytes?: number; cutAfter?: number; cutRequestAfter?: number }) => {
    const path = req.url?.startsWith("/") ? req.url : originForm(req.url);
    const headers = endToEndHeaders(req.rawHeaders, ["host"]);
    // A signed request (S3's SigV4 signs Host) must reach the target with the Host it was signed for.
    headers.host = options.preserveHost ? (req.headers.host ?? target.host) : target.host;
    const upstream: ClientRequest = (secure ? httpsRequest : httpRequest)({
      host: connectHost,
      port,
      method: req.method,
      path,
      headers,
      agent,
      ...(servername ? { servername } : {}),
    });
    let responded = false;
    let tooLarge = false;
    /** The chunk waiting its turn on the link, written when it resolves (at most one: req is paused meanwhile). */
    let linkWrite: Promise<void> = Promise.resolve();

    /** Sends the body's first `cutRequestAfter` bytes, then drops both connections (see Fault "cut-request"). */
    const cutRequest = (last: Buffer) => {
      req.removeListener("data", onData);
      req.pause();
      injected(entry, "cut-request");
      stats.requestBytes += last.length;
      upstream.write(last, () => {
        upstream.destroy();
        req.socket.resetAndDestroy();
      });
    };
    const onData = (chunk: Buffer) => {
      if (mode.cutRequestAfter !== undefined && entry.requestBytes + chunk.length >= mode.cutRequestAfter) {
        const last = chunk.subarray(0, mode.cutRequestAfter - entry.requestBytes);
        entry.requestBytes += last.length;
        if (link) {
          req.pause();
          linkWrite = link.send(last.length).then(() => cutRequest(last));
        } else cutRequest(last);
        return;
      }
      entry.requestBytes += chunk.length;
      if (mode.maxBytes !== undefined && entry.requestBytes > mode.maxBytes) {
        // The body streamed past the limit: stop forwarding, answer 413 once the client is done.
        tooLarge = true;
        injected(entry, "too-large");
        upstream.destroy();
        discardBody(req, entry, () => answer(res, entry, 413, { connection: "close" }, errorBody("SIZE_INVALID", `request body exceeds ${mode.maxBytes} bytes`)));
        return;
      }
      stats.requestBytes += chunk.length;
      if (link) {
        // Hold the body back at the link's pace: the client feels the uplink through backpressure.
        req.pause();
        linkWrite = link.send(chunk.length).then(() => {
          if (upstream.write(chunk)) req.resume();
          else upstream.once("drain", () => req.resume());
        });
        return;
      }
      if (!upstream.write(chunk)) {
        req.pause();
        upstream.once("drain", () => req.resume());
      }
    };
    req.on("data", onData);
    req.once("end", () => {
      if (tooLarge) return;
      // With a link, the last chunk may still be waiting its turn: end after it is written. ("end"
      // comes as soon as the last chunk is read, paused or not; a second link.send for the end
      // would race that chunk's timer and could end the request before its last bytes.)
      if (link) void linkWrite.then(() => upstream.end());
      else upstream.end();
    });
    // A request held back for the link's latency was paused: let its body (or its end) flow now.
    req.resume();

    // The client went away before its response was complete: abandon the upstream request too.
    res.once("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });

    upstream.on("error", (error) => {
      if (tooLarge) return;
      if (!responded && !res.headersSent) {
        discardBody(req, entry, () => {});
        answer(res, entry, 502, { connection: "close" }, errorBody("UPSTREAM", `fault proxy: ${target.origin} failed: ${error.message}`));
      } else if (!res.writableFinished) {
        res.destroy();
      }
    });

    upstream.on("response", (upRes) => {
      responded = true;
      // Already answered (a 502 for an upstream error raced this response): drop it.
      if (tooLarge || res.headersSent) return void upRes.resume();
      const status = upRes.statusCode ?? 502;
      const resHeaders = endToEndHeaders(upRes.rawHeaders, [], rewriteLocation);
      // The target may answer before reading the whole body (a 401 on an upload): discard the rest.
      upRes.once("end", () => {
        if (!req.readableEnded) discardBody(req, entry, () => {});
      });
      upRes.once("error", () => res.destroy());
      if (mode.cutAfter === undefined) {
        entry.status = status;
        res.writeHead(status, upRes.statusMessage, resHeaders);
        upRes.pipe(res);
        return;
      }
      cutResponse(upRes, res, entry, status, resHeaders, mode.cutAfter);
      injected(entry, "reset-response");
    });
  };

  /**
   * Relays at most `afterBytes` body bytes, then closes the connection. One chunk is held back so we
   * know when the body is about to end: the connection is always closed before the last byte (before
   * the headers for an empty body), so the client can never mistake the cut response for a complete one.
   */
  const cutResponse = (
    upRes: IncomingMessage,
    res: ServerResponse,
    entry: FaultLogEntry,
    status: number,
    headers: ReturnType<typeof endToEndHeaders>,
    afterBytes: number,
  ) => {
    let sent = 0;
    let pending: Buffer | undefined;
    let done = false;
    const writeHead = () => {
      if (res.headersSent) return;
      entry.status = status;
      res.writeHead(status, upRes.statusMessage, headers);
    };
    const cut = (last: Buffer, withHeaders: boolean) => {
      done = true;
      upRes.destroy();
      const socket = res.socket;
      if (!socket) return;
      if (!withHeaders) return closeAfterFlush(socket);
      writeHead();
      if (last.length > 0) return void res.write(last, () => closeAfterFlush(socket));
      res.flushHeaders();
      closeAfterFlush(socket);
    };
    const relay = (chunk: Buffer) => {
      const room = afterBytes - sent;
      if (chunk.length >= room) return cut(chunk.subarray(0, room), true);
      writeHead();
      sent += chunk.length;
      if (!res.write(chunk)) {
        upRes.pause();
        res.once("drain", () => upRes.resume());
      }
    };
    upRes.on("data", (chunk: Buffer) => {
      if (done) return;
      if (pending) relay(pending);
      if (!done) pending = chunk;
    });
    upRes.once("end", () => {
      if (done) return;
      if (!pending) return cut(Buffer.alloc(0), false); // empty body: close before the headers
      cut(pending.subarray(0, Math.min(afterBytes - sent, pending.length - 1)), true);
    });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      // Values of authorization and other headers may be secrets: keep only the ones tests inspect.
      headers[name] = name === "content-encoding" || name.startsWith("x-amz-") ? String(value) : "";
    }
    const entry: FaultLogEntry = { method, path: req.url ?? "/", requestBytes: 0, headers, startedAt: Date.now() };
    stats.open++;
    // While the body is held back (link, delay) the client's close sits unread behind it: watch
    // the connection itself, and drop it when the client is gone (see client-close-watch.ts).
    const unwatch = options.watchClientClose === false ? () => {} : closeWatch.watch(req.socket, () => req.socket.destroy());
    req.once("end", unwatch);
    // "close" comes once per response, whether it finished or its connection went away first.
    res.once("close", () => {
      unwatch();
      entry.endedAt = Date.now();
      stats.open--;
    });
    stats.requests++;
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    stats.log.push(entry);
    const fault: Fault | undefined = picker.pick(method, entry.path);
    switch (fault?.type) {
      case undefined:
        if (link?.options.latencyMs) {
          // The body waits (paused) while the request "travels".
          req.pause();
          void link.latency().then(() => {
            if (!res.destroyed) forward(req, res, entry, {});
          });
          return;
        }
        return forward(req, res, entry, {});
      case "status": {
        injected(entry, "status");
        const headers: Record<string, string> = { ...fault.headers };
        if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
        const body = fault.body ?? errorBody("FAULT_INJECTED", `fault proxy: injected status ${fault.status}`);
        return discardBody(req, entry, () => answer(res, entry, fault.status, headers, body));
      }
      case "reset-request": {
        injected(entry, "reset-request");
        const reset = () => req.socket.resetAndDestroy();
        if (fault.afterBytes === 0) return reset();
        req.on("data", (chunk: Buffer) => {
          entry.requestBytes += chunk.length;
          if (entry.requestBytes >= fault.afterBytes) reset();
        });
        req.once("end", reset);
        return;
      }
      case "cut-request":
        return forward(req, res, entry, { cutRequestAfter: fault.afterBytes });
      case "reset-response":
        return forward(req, res, entry, { cutAfter: fault.afterBytes });
      case "delay": {
        injected(entry, "delay");
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) forward(req, res, entry, {});
        }, fault.ms);
        timers.add(timer);
        res.once("close", () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
      case "too-large": {
        const declared = Number(req.headers["content-length"] ?? NaN);
        if (declared > fault.maxBytes) {
          injected(entry, "too-large");
          return discardBody(req, entry, () =>
            answer(res, entry, 413, { connection: "close" }, errorBody("SIZE_INVALID", `request body of ${declared} bytes exceeds ${fault.maxBytes}`)),
          );
        }
        return forward(req, res, entry, { maxBytes: fault.maxBytes });
      }
    }
  };

  const server = createServer(onRequest);
  // An aborted client or a reset we injected ourselves: nothing to report. Bytes that are not
  // HTTP (a TLS handshake) get the 400 a registry's plain HTTP server sends, so a client that tries
  // HTTPS first sees "wrong version number" and falls back to HTTP, as against the registry itself.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && error.code === "HPE_INVALID_METHOD") socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  const listening = new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  try {
    await raceAbort(listening, signal, "startFaultProxy");
  } catch (error) {
    server.close();
    agent.destroy();
    throw error;
  }
  const { port: proxyPort } = server.address() as AddressInfo;
  const host = `127.0.0.1:${proxyPort}`;
  proxyOrigin = `http://${host}`;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= new Promise<void>((resolve) => {
      stopListening();
      closeWatch.stop();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    }));
  const stopListening = onAbort(signal, () => void stop());

  return {
    url: proxyOrigin,
    host,
    stats,
    setRules(next) {
      validateRules(next);
      rules = next;
      picker = new FaultPicker(rules, seed);
    },
    reset() {
      picker = new FaultPicker(rules, seed);
      stats.requests = 0;
      stats.faults = 0;
      stats.requestBytes = 0;
      for (const key of Object.keys(stats.byMethod)) delete stats.byMethod[key];
      stats.log.length = 0;
    },
    stop,
  };
}

/** FIN after everything written so far has gone out, then release the socket. */
function closeAfterFlush(socket: Socket): void {
  socket.end();
  socket.once("finish", () => socket.destroy());
}

/** An absolute-form request target (`GET http://host/path`) reduced to its path: we only ever talk to the target. */
function originForm(url: string | undefined): string {
  try {
    const parsed = new URL(url ?? "/");
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return "/";
  }
}

function errorBody(code: string, message: string): string {
  // The registry's error envelope, so clients that parse registry errors handle injected ones too.
  return JSON.stringify({ errors: [{ code, message }] });
}
