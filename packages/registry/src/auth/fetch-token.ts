import { throwIfAborted } from "@exp/errors";
import type { Challenge } from "./challenge.js";
import { describeCredentials, secretsOf, type Credentials } from "./credentials.js";
import type { HttpFetch } from "./http-fetch.js";
import { redactSecrets, truncate } from "./redact.js";
import { mergeScopes } from "./scope.js";
import { DEFAULT_TOKEN_LIFETIME_SECONDS } from "./token-cache.js";
import { TokenError } from "./token-error.js";
import { sealTokenResponse, type TokenResponse } from "./token-response.js";

export interface FetchTokenOptions {
  /** The registry's Bearer challenge: `realm` is the token server, `service` names the registry. */
  challenge: Challenge;
  /** Scopes wanted, e.g. scopeFor("a/b", ["pull", "push"]). Empty: the challenge's own `scope`. */
  scopes: readonly string[];
  credentials: Credentials;
  http: HttpFetch;
  signal?: AbortSignal;
  /** OAuth2 client_id. Default "exp". */
  clientId?: string;
  /** Registry name for messages. Default the realm's host. */
  registry?: string;
  /** Where the credentials came from (ResolvedCredentials.source), for messages. */
  credentialSource?: string;
}

/**
 * Gets a bearer token per the distribution token spec.
 *
 * - anonymous / basic: GET realm?service=…&scope=…&scope=…, with Basic auth (and `account`) when
 *   there is a username and password.
 * - identity token: OAuth2 POST, grant_type=refresh_token, scopes space-joined. Like
 *   docker/distribution's client (and containers/image), there is no fallback to GET when the POST
 *   answers 404/405: the identity token is not a password, and sending it as Basic auth to an
 *   endpoint that does not speak OAuth2 cannot work. (containerd and buildkit fall back on 404,
 *   a workaround aimed at password grants on GCR; we report the status instead.)
 * - registry token: returned as is, without a request.
 */
export async function fetchToken(options: FetchTokenOptions): Promise<TokenResponse> {
  const { challenge, credentials, signal } = options;
  throwIfAborted(signal, "fetching a registry token");
  if (credentials.kind === "registry-token") {
    return sealTokenResponse({ token: credentials.token, expiresIn: DEFAULT_TOKEN_LIFETIME_SECONDS });
  }

  const realmText = challenge.params.realm;
  const realm = parseRealm(realmText);
  const realmShown = realm ? `${realm.origin}${realm.pathname}` : JSON.stringify(realmText ?? "");
  const registry = options.registry ?? realm?.host ?? "the registry";
  const fail = (message: string, extra: ConstructorParameters<typeof TokenError>[3] = {}): TokenError =>
    new TokenError(registry, realmShown, message, extra);
  if (!realm) {
    throw fail(
      `cannot authenticate to ${registry}: its Bearer challenge ` +
        (realmText === undefined ? "has no realm" : `has realm ${realmShown}, which is not an absolute http(s) URL`) +
        ", so there is no token server to ask",
      { fault: "server" },
    );
  }

  const scopes = options.scopes.length > 0 ? mergeScopes(options.scopes) : mergeScopes(challenge.params.scope);
  const service = challenge.params.service;
  const request = buildRequest(realm, service, scopes, credentials, options.clientId ?? "exp");
  const response = await options.http(request.url, { ...request.init, ...(signal ? { signal } : {}) });

  const secrets = secretsOf(credentials);
  if (response.status < 200 || response.status > 299) {
    const detail = serverDetail(response.text, secrets);
    const status = `HTTP ${response.status}${detail ? `: ${detail}` : ""}`;
    const source = options.credentialSource;
    const who =
      credentials.kind === "anonymous"
        ? `anonymous access${source ? ` (${source})` : ""}`
        : `${describeCredentials(credentials)}${source ? ` from ${source}` : ""}`;
    if (response.status === 401 || response.status === 403) {
      throw fail(`authentication to ${registry} failed: the token server at ${realmShown} rejected ${who} (${status})${hintFor(credentials, registry)}`, {
        status: response.status,
      });
    }
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    const postNote =
      request.init.method === "POST" && (response.status === 404 || response.status === 405)
        ? "; this token server does not take OAuth2 POST requests, which identity tokens need"
        : "";
    throw fail(`could not get a token for ${registry}: the token server at ${realmShown} answered ${status}${postNote}`, {
      status: response.status,
      retryable,
      fault: retryable ? "server" : "client",
    });
  }
  return parseTokenBody(response.text, (problem) => fail(`the token server at ${realmShown} answered HTTP ${response.status} ${problem}`, { status: response.status, fault: "server" }));
}

function parseRealm(realm: string | undefined): URL | undefined {
  if (realm === undefined) return undefined;
  try {
    const url = new URL(realm);
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined;
  }
}

function buildRequest(realm: URL, service: string | undefined, scopes: string[], credentials: Credentials, clientId: string) {
  const headers: Record<string, string> = { accept: "application/json" };
  if (credentials.kind === "identity-token") {
    const form = new URLSearchParams();
    form.set("grant_type", "refresh_token");
    form.set("refresh_token", credentials.token);
    if (service !== undefined) form.set("service", service);
    form.set("scope", scopes.join(" "));
    form.set("client_id", clientId);
    headers["content-type"] = "application/x-www-form-urlencoded";
    return { url: realm.href, init: { method: "POST" as const, headers, body: form.toString() } };
  }
  const url = new URL(realm.href);
  if (service !== undefined) url.searchParams.append("service", service);
  for (const scope of scopes) url.searchParams.append("scope", scope);
  // As distribution's client: Basic only with both parts, otherwise the request is anonymous.
  if (credentials.kind === "basic" && credentials.username !== "" && credentials.password !== "") {
    url.searchParams.append("account", credentials.username);
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  }
  return { url: url.href, init: { method: "GET" as const, headers } };
}

function parseTokenBody(text: string, fail: (problem: string) => TokenError): TokenResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw fail("with a body that is not JSON");
  }
  if (typeof body !== "object" || body === null) throw fail("with JSON that is not an object");
  const fields = body as Record<string, unknown>;
  // access_token and token are synonyms; distribution's client prefers access_token.
  const token = nonEmptyString(fields.access_token) ?? nonEmptyString(fields.token);
  if (token === undefined) throw fail('without a token (neither "token" nor "access_token" is set)');
  const expiresIn = Number(fields.expires_in);
  const issuedAt = typeof fields.issued_at === "string" ? new Date(fields.issued_at) : undefined;
  const refreshToken = nonEmptyString(fields.refresh_token);
  return sealTokenResponse({
    token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_SECONDS,
    ...(issuedAt && !Number.isNaN(issuedAt.getTime()) ? { issuedAt } : {}),
    ...(refreshToken === undefined ? {} : { refreshToken }),
  });
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The server's own words: Docker Hub's `details`, OAuth2's `error_description`, distribution's `errors[]`. */
function serverDetail(text: string, secrets: string[]): string {
  let parts: string[] = [];
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const field of ["details", "error_description", "error", "message"]) {
      const value = body?.[field];
      if (typeof value === "string" && value !== "") parts.push(value);
    }
    if (Array.isArray(body?.errors)) {
      for (const item of body.errors as Array<Record<string, unknown>>) {
        const text = [item?.code, item?.message].filter((v) => typeof v === "string" && v !== "").join(": ");
        if (text) parts.push(text);
      }
    }
  } catch {
    // Not JSON: a short plain-text body is still worth showing; an HTML error page is not.
    if (text.trim() !== "" && !text.trimStart().startsWith("<")) parts = [text];
  }
  return truncate(redactSecrets(parts.join("; "), secrets), 300);
}

function hintFor(credentials: Credentials, registry: string): string {
  switch (credentials.kind) {
    case "anonymous":
      return `; log in (docker login ${registry} or podman login ${registry}) or pass credentials explicitly`;
    case "identity-token":
      return `; the identity token may have expired or been revoked: log in to ${registry} again`;
    default:
      return `; check the username and password (or access token) for ${registry}`;
  }
}
