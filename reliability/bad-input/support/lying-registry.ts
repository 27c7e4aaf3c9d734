import { createHash } from "node:crypto";
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A proxy in front of the real test registry that lies on request: it rewrites a response's
// Docker-Content-Digest, replaces or corrupts its body, or drops the connection half-way.
// (@exp/testing's fault proxy answers with statuses, resets and delays; it cannot rewrite a
// forwarded answer.) It listens on 127.0.0.1 only and forwards only to the registry it was given.

export type Lie =
  /** Override response headers (e.g. a wrong docker-content-digest, another content-type). */
  | { type: "headers"; headers: Record<string, string | undefined> }
  /** Answer this body instead (Content-Length follows it), keeping the status and other headers. */
  | { type: "body"; body: (original: Buffer) => Buffer; headers?: Record<string, string | undefined>; digestHeader?: "match" | "keep" }
  /** Send the headers and the first `bytes` of the body, then drop the connection. */
  | { type: "truncate"; bytes: number };

export interface LieRule {
  method?: string;
  path: RegExp;
  lie: Lie;
}

export interface LyingRegistry {
  /** "127.0.0.1:PORT", for image references. */
  host: string;
  /** Replaces the rules; [] tells the truth. */
  lie(rules: readonly LieRule[]): void;
  /** Requests seen, "METHOD path", for cases that check what was asked. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startLyingRegistry(upstream: string): Promise<LyingRegistry> {
  const target = new URL(upstream);
  if (target.hostname !== "127.0.0.1") throw new Error(`the lying registry forwards to 127.0.0.1 only, not ${target.hostname}`);
  let rules: readonly LieRule[] = [];
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const rule = rules.find((r) => (r.method === undefined || r.method === req.method) && r.path.test(req.url ?? ""));
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (upstreamRes: IncomingMessage) => void answer(upstreamRes, rule?.lie).catch(() => res.destroy()),
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);

    async function answer(upstreamRes: IncomingMessage, lie: Lie | undefined): Promise<void> {
      const headers: IncomingHttpHeaders = { ...upstreamRes.headers };
      // Location headers point at the registry itself; the client must come back through here.
      if (typeof headers.location === "string") headers.location = headers.location.replace(target.host, `127.0.0.1:${port()}`);
      if (!lie) {
        res.writeHead(upstreamRes.statusCode ?? 502, headers);
        upstreamRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of upstreamRes) chunks.push(chunk as Buffer);
      const original = Buffer.concat(chunks);
      if (lie.type === "headers") {
        res.writeHead(upstreamRes.statusCode ?? 502, withHeaders(headers, lie.headers));
        res.end(original);
      } else if (lie.type === "body") {
        const body = lie.body(original);
        const digest = lie.digestHeader === "match" ? { "docker-content-digest": `sha256:${createHash("sha256").update(body).digest("hex")}` } : {};
        res.writeHead(upstreamRes.statusCode ?? 502, withHeaders({ ...headers, "content-length": String(body.length) }, { ...digest, ...lie.headers }));
        res.end(req.method === "HEAD" ? undefined : body);
      } else {
        res.writeHead(upstreamRes.statusCode ?? 502, headers);
        res.write(original.subarray(0, lie.bytes));
        // Let the bytes leave before the connection goes, so the client sees a short body, not a refusal.
        setTimeout(() => res.socket?.destroy(), 20);
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = () => (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port()}`,
    lie: (next) => void (rules = next),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function withHeaders(headers: IncomingHttpHeaders, overrides: Record<string, string | undefined> = {}): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key.toLowerCase()];
    else out[key.toLowerCase()] = value;
  }
  return out;
}
