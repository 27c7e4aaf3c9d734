import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { throwIfAborted } from "@exp/errors";
import { onAbort, raceAbort } from "./abort.js";
import { writeSigningCert } from "./certs.js";
import { parseScope, signRegistryToken } from "./jwt.js";
import { tempDir } from "./temp-dir.js";

export interface TokenIssuerOptions {
  username: string;
  password: string;
  /** The registry's `auth.token.service`; tokens name it as their audience. */
  service: string;
  /** The registry's `auth.token.issuer`; tokens name it as `iss`. */
  issuer: string;
  /** Lifetime of issued tokens in seconds (`exp` and `expires_in`). Default 300. */
  expiresIn?: number;
  /** Aborting while starting rejects with AbortedError; aborting later stops the issuer. */
  signal?: AbortSignal;
}

/** One request to the token endpoint, recorded so tests can assert how often a client asks for tokens. */
export interface TokenRequestRecord {
  method: string;
  /** The requested scopes, one per entry (space-separated lists are split). */
  scopes: string[];
  /** `password` or `refresh_token` for the OAuth2 POST form; undefined for the GET form. */
  grantType?: string;
  /** Whether a token was issued. */
  authorized: boolean;
  service?: string;
  /** Whether a refresh token was requested (`offline_token=true` or `access_type=offline`). */
  offline: boolean;
}

export interface TokenIssuer {
  /** The URL to configure as the registry's `auth.token.realm`. */
  realm: string;
  /** The signing certificate: the registry's `auth.token.rootcertbundle`. */
  certPath: string;
  keyPath: string;
  readonly requests: TokenRequestRecord[];
  /**
   * Every access token and refresh token handed out, in order: the tokens are signed JWTs and
   * random refresh tokens nobody can predict, so a test that checks a client never prints or
   * stores them needs the exact strings.
   */
  readonly issued: readonly string[];
  /** Lifetime of tokens issued from now on. */
  setExpiresIn(seconds: number): void;
  /** Forgets every refresh token issued so far and starts a new token generation (`gen` claim). */
  revokeAll(): void;
  stop(): Promise<void>;
}

const MAX_FORM_BYTES = 64 * 1024;

/**
 * A docker token server (distribution's "token" auth) on 127.0.0.1. It supports both forms clients use:
 * - GET `realm?service=&scope=...` with Basic credentials (`offline_token=true` adds a `refresh_token`);
 * - POST (OAuth2 form) with `grant_type=password` (username/password fields) or
 *   `grant_type=refresh_token` (a refresh token it issued earlier), which is docker's identity-token flow.
 * It grants exactly the scopes requested; the registry then enforces them.
 */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const { signal } = options;
  throwIfAborted(signal, "startTokenIssuer");
  const dir = await tempDir("exp-token-issuer-", { signal });
  let expiresIn = options.expiresIn ?? 300;
  let generation = 1;
  const refreshTokens = new Map<string, string>(); // refresh token -> username
  const requests: TokenRequestRecord[] = [];
  const issued: string[] = [];

  let cert: Awaited<ReturnType<typeof writeSigningCert>>;
  try {
    cert = await writeSigningCert(dir.path, signal);
  } catch (error) {
    await dir.cleanup();
    throw error;
  }

  const issue = (username: string, scopes: string[], service: string | undefined, offline: boolean, refreshToken?: string) => {
    const access = scopes.map(parseScope).filter((entry) => entry !== undefined);
    const token = signRegistryToken(
      { issuer: options.issuer, subject: username, audience: service ?? options.service, expiresIn, access, extra: { gen: generation } },
      cert.keyPem,
      cert.certPem,
    );
    issued.push(token);
    const body: Record<string, unknown> = { token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() };
    if (scopes.length > 0) body.scope = scopes.join(" ");
    if (refreshToken) {
      body.refresh_token = refreshToken;
    } else if (offline) {
      const fresh = randomBytes(24).toString("base64url");
      refreshTokens.set(fresh, username);
      issued.push(fresh);
      body.refresh_token = fresh;
    }
    return body;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://issuer");
    if (url.pathname !== "/token") return send(res, 404, { errors: [{ code: "NOT_FOUND", message: "the token endpoint is /token" }] });
    if (req.method === "GET") {
      const scopes = splitScopes(url.searchParams.getAll("scope"));
      const service = url.searchParams.get("service") ?? undefined;
      const offline = url.searchParams.get("offline_token") === "true";
      const user = basicUser(req.headers.authorization, options.username, options.password);
      requests.push({ method: "GET", scopes, authorized: user !== undefined, service, offline });
      if (user === undefined) return unauthorized(res);
      return send(res, 200, issue(user, scopes, service, offline));
    }
    if (req.method === "POST") {
      const form = await readForm(req);
      if (!form) return send(res, 400, { error: "invalid_request", error_description: "expected an application/x-www-form-urlencoded body" });
      const grantType = form.get("grant_type") ?? "";
      const scopes = splitScopes(form.getAll("scope"));
      const service = form.get("service") ?? undefined;
      const offline = form.get("access_type") === "offline";
      const record: TokenRequestRecord = { method: "POST", scopes, grantType, authorized: false, service, offline };
      requests.push(record);
      if (grantType === "password") {
        const username = form.get("username") ?? "";
        if (!same(username, options.username) || !same(form.get("password") ?? "", options.password)) return unauthorized(res);
        record.authorized = true;
        return send(res, 200, issue(username, scopes, service, offline));
      }
      if (grantType === "refresh_token") {
        const refreshToken = form.get("refresh_token") ?? "";
        const username = refreshTokens.get(refreshToken);
        if (username === undefined) return send(res, 401, { error: "invalid_grant", error_description: "unknown or revoked refresh token" });
        record.authorized = true;
        return send(res, 200, issue(username, scopes, service, offline, refreshToken));
      }
      return send(res, 400, { error: "unsupported_grant_type", error_description: `grant_type ${JSON.stringify(grantType)}` });
    }
    send(res, 405, { errors: [{ code: "UNSUPPORTED", message: `${req.method} is not supported` }] });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { errors: [{ code: "UNKNOWN", message: String(error) }] });
      else res.destroy();
    });
  });
  const listening = new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  try {
    await raceAbort(listening, signal, "startTokenIssuer");
  } catch (error) {
    server.close();
    await dir.cleanup();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopListening();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await dir.cleanup();
    })());
  const stopListening = onAbort(signal, () => void stop());

  return {
    realm: `http://127.0.0.1:${port}/token`,
    certPath: cert.certPath,
    keyPath: cert.keyPath,
    requests,
    issued,
    setExpiresIn: (seconds) => {
      expiresIn = seconds;
    },
    revokeAll: () => {
      refreshTokens.clear();
      generation++;
    },
    stop,
  };
}

function splitScopes(values: string[]): string[] {
  return values.flatMap((value) => value.split(" ")).filter(Boolean);
}

/** The user name when the Basic credentials match, else undefined. */
function basicUser(header: string | undefined, username: string, password: string): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  return same(user, username) && same(decoded.slice(colon + 1), password) ? user : undefined;
}

// Constant-time comparison: habit from real auth code; costs nothing here.
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  if (type !== "application/x-www-form-urlencoded") return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function unauthorized(res: ServerResponse): void {
  res.setHeader("www-authenticate", 'Basic realm="exp-test-token-issuer"');
  send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}
