import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface EchoRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** Requests that carried credentials (and were answered with them echoed back). */
  readonly echoed: number;
  stop(): Promise<void>;
}

export interface EchoRegistryOptions {
  /**
   * The challenge it sends: Basic; Bearer with a token server's realm and service; or Bearer with
   * its own `/token` as the realm, a token server that refuses every request by echoing it.
   */
  challenge: { scheme: "basic" } | { scheme: "bearer"; realm: string; service: string } | { scheme: "echo-token-server" };
}

/**
 * A registry that refuses every push by echoing the credentials it was sent back in its error
 * body, as some proxies and registries do in "invalid token"/"access denied" messages: the
 * Authorization header, the bearer token, and for Basic the decoded user:password. Errors are
 * where a client repeats what a server said, so this is where an echoed secret would surface.
 * Unauthenticated requests get the 401 challenge; authenticated HEADs a 404 (no body to echo),
 * so a push goes on to the upload POST, which is refused with a 403 carrying the echo.
 */
export async function startEchoRegistry(options: EchoRegistryOptions): Promise<EchoRegistry> {
  let echoed = 0;
  let origin = "";
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith("/token")) return echoTokenRequest(req, res, () => echoed++);
    req.resume();
    const authorization = req.headers.authorization;
    if (!authorization) {
      const c = options.challenge;
      const challenge =
        c.scheme === "basic" ? 'Basic realm="echo"' : c.scheme === "bearer" ? `Bearer realm="${c.realm}",service="${c.service}"` : `Bearer realm="${origin}/token",service="echo"`;
      return send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }, { "www-authenticate": challenge });
    }
    if (req.method === "HEAD") return send(res, 404, undefined);
    echoed++;
    const credential = authorization.replace(/^\S+\s+/, "");
    const decoded = /^basic /i.test(authorization) ? Buffer.from(credential, "base64").toString("utf8") : credential;
    send(res, 403, {
      errors: [
        { code: "DENIED", message: `access denied for ${decoded}`, detail: { Authorization: authorization, token: credential } },
        { code: "DENIED", message: `invalid credentials: ${credential}` },
      ],
    });
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    get echoed() {
      return echoed;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A token server that answers 401 with everything it was sent: Basic header, password, form fields (refresh tokens). */
async function echoTokenRequest(req: IncomingMessage, res: ServerResponse, count: () => void): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  count();
  const authorization = req.headers.authorization ?? "";
  const decoded = /^basic /i.test(authorization) ? Buffer.from(authorization.slice(6), "base64").toString("utf8") : "";
  const form = Buffer.concat(chunks).toString("utf8");
  const said = `bad credentials ${decoded} (${authorization}) form ${form} query ${req.url}`;
  send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: said }], error: "invalid_grant", error_description: said, details: said }, { "www-authenticate": 'Basic realm="echo-token"' });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers }).end(text);
}
