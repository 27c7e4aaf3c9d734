import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import type { Challenge } from "./challenge.js";
import { anonymousCredentials, basicCredentials, identityTokenCredentials, registryTokenCredentials } from "./credentials.js";
import { fetchToken, type FetchTokenOptions } from "./fetch-token.js";
import type { HttpFetch } from "./http-fetch.js";
import { TokenError } from "./token-error.js";

const USER = "testuser";
const PASSWORD = "testpass-Secret-77";
const REFRESH = "refresh-token-Secret-88";

interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
let seen: Seen[] = [];

// A token server after the distribution token spec, like the one in environment.md §1.
function handle(request: Seen): { status: number; body: string } {
  const json = (status: number, value: unknown) => ({ status, body: JSON.stringify(value) });
  const path = request.url.pathname;
  if (path === "/unavailable") return json(503, { errors: [{ code: "UNAVAILABLE", message: "try later" }] });
  if (path === "/not-json") return { status: 200, body: "<html>hello</html>" };
  if (path === "/no-token") return json(200, { expires_in: 300 });
  if (path === "/get-only" && request.method === "POST") return { status: 405, body: "method not allowed" };
  if (request.method === "POST") {
    const form = new URLSearchParams(request.body);
    if (form.get("grant_type") === "refresh_token" && form.get("refresh_token") === REFRESH) {
      return json(200, { access_token: "oauth-access", expires_in: 900, refresh_token: "rotated-refresh", scope: form.get("scope") });
    }
    return json(401, { error: "invalid_grant", error_description: `refresh token ${form.get("refresh_token")} is expired` });
  }
  const auth = request.headers.authorization;
  if (auth === undefined) return json(200, { token: "anonymous-token" });
  if (auth === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`) {
    return json(200, { token: "plain-token", access_token: "access-token", expires_in: 300, issued_at: "2030-01-02T03:04:05Z" });
  }
  // Docker Hub answers like this; echoing the password checks that we scrub it.
  const decoded = Buffer.from(auth.replace(/^Basic /, ""), "base64").toString();
  return json(401, { details: `incorrect username or password (got ${decoded.slice(decoded.indexOf(":") + 1)})` });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: new URL(req.url ?? "/", base), headers: req.headers, body };
      seen.push(request);
      const { status, body: out } = handle(request);
      res.writeHead(status, { "content-type": "application/json" }).end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
});

// The HttpFetch the registry transport would provide, here on Node's fetch.
const http: HttpFetch = async (url, init) => {
  const response = await fetch(url, { method: init.method, headers: init.headers, body: init.body ?? null, signal: init.signal ?? null });
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
};

const challenge = (path = "/token", extra: Record<string, string> = {}): Challenge => ({
  scheme: "bearer",
  params: { realm: `${base}${path}`, service: "test-registry", ...extra },
});

function options(overrides: Partial<FetchTokenOptions>): FetchTokenOptions {
  return { challenge: challenge(), scopes: ["repository:t/a:pull,push"], credentials: anonymousCredentials(), http, registry: "127.0.0.1:5000", ...overrides };
}

async function rejection(promise: Promise<unknown>): Promise<TokenError> {
  try {
    await promise;
  } catch (error) {
    return error as TokenError;
  }
  throw new Error("expected a rejection");
}

describe("fetchToken: GET (anonymous and basic)", () => {
  it("asks anonymously with service and one scope parameter per scope", async () => {
    const token = await fetchToken(options({ scopes: ["repository:t/b:pull", "repository:t/a:push", "repository:t/a:pull"] }));
    expect(token.token).toBe("anonymous-token");
    expect(token.expiresIn).toBe(60); // the spec's default when expires_in is missing
    expect(token.issuedAt).toBeUndefined();
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe("GET");
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.url.searchParams.get("service")).toBe("test-registry");
    expect(request?.url.searchParams.getAll("scope")).toEqual(["repository:t/a:pull,push", "repository:t/b:pull"]);
    expect(request?.url.searchParams.has("account")).toBe(false);
  });

  it("sends Basic auth and account with basic credentials, preferring access_token", async () => {
    const token = await fetchToken(options({ credentials: basicCredentials(USER, PASSWORD) }));
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`);
    expect(seen[0]?.url.searchParams.get("account")).toBe(USER);
    expect(token.token).toBe("access-token");
    expect(token.expiresIn).toBe(300);
    expect(token.issuedAt?.toISOString()).toBe("2030-01-02T03:04:05.000Z");
    expect(JSON.stringify(token)).not.toContain("access-token");
    expect(inspect(token)).not.toContain("access-token");
  });

  it("keeps query parameters already in the realm", async () => {
    await fetchToken(options({ challenge: { scheme: "bearer", params: { realm: `${base}/token?tenant=x` } } }));
    expect(seen[0]?.url.searchParams.get("tenant")).toBe("x");
    expect(seen[0]?.url.searchParams.has("service")).toBe(false);
  });

  it("asks anonymously when basic credentials lack a password", async () => {
    await fetchToken(options({ credentials: basicCredentials(USER, "") }));
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it("suggests logging in when anonymous access is refused", async () => {
    const refusing: HttpFetch = async () => ({ status: 401, headers: {}, text: '{"details":"access denied"}' });
    const error = await rejection(fetchToken(options({ http: refusing, credentialSource: "no credentials configured" })));
    expect(error.message).toContain("rejected anonymous access (no credentials configured) (HTTP 401: access denied)");
    expect(error.message).toContain("docker login 127.0.0.1:5000");
  });

  it("falls back to the challenge's own scope when none is asked for", async () => {
    await fetchToken(options({ scopes: [], challenge: challenge("/token", { scope: "repository:t/a:pull repository:t/c:pull" }) }));
    expect(seen[0]?.url.searchParams.getAll("scope")).toEqual(["repository:t/a:pull", "repository:t/c:pull"]);
  });

  it("turns a 401 into TokenError without the password, with the server's details", async () => {
    const error = await rejection(
      fetchToken(options({ credentials: basicCredentials(USER, "wrong-Password-99"), credentialSource: "docker config auths (/home/me/.docker/config.json)" })),
    );
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: "ERR_REGISTRY_AUTH", status: 401, retryable: false, fault: "client", registry: "127.0.0.1:5000" });
    expect(error.message).toContain("authentication to 127.0.0.1:5000 failed");
    expect(error.message).toContain(`the token server at ${base}/token rejected`);
    expect(error.message).toContain("docker config auths (/home/me/.docker/config.json)");
    expect(error.message).toContain("incorrect username or password");
    expect(error.message).toContain(USER);
    expect(error.message).not.toContain("wrong-Password-99");
    expect(error.message).not.toContain(Buffer.from(`${USER}:wrong-Password-99`).toString("base64"));
    expect(inspect(error)).not.toContain("wrong-Password-99");
  });
});

describe("fetchToken: OAuth2 POST with an identity token", () => {
  it("posts a refresh_token grant with space-joined scopes and client_id", async () => {
    const token = await fetchToken(options({ credentials: identityTokenCredentials(REFRESH), scopes: ["repository:t/a:pull", "repository:t/b:push"] }));
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe("POST");
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: "refresh_token",
      refresh_token: REFRESH,
      service: "test-registry",
      scope: "repository:t/a:pull repository:t/b:push",
      client_id: "exp",
    });
    expect(token).toMatchObject({ token: "oauth-access", expiresIn: 900, refreshToken: "rotated-refresh" });
  });

  it("uses a custom client_id", async () => {
    await fetchToken(options({ credentials: identityTokenCredentials(REFRESH), clientId: "my-tool" }));
    expect(new URLSearchParams(seen[0]?.body).get("client_id")).toBe("my-tool");
  });

  it("reports a refused refresh token without quoting it", async () => {
    const stale = "stale-Refresh-Token-1234";
    const error = await rejection(fetchToken(options({ credentials: identityTokenCredentials(stale) })));
    expect(error).toMatchObject({ code: "ERR_REGISTRY_AUTH", status: 401 });
    expect(error.message).toContain("invalid_grant");
    expect(error.message).toContain("is expired");
    expect(error.message).toContain("log in to 127.0.0.1:5000 again");
    expect(error.message).not.toContain(stale);
  });

  it("does not fall back to GET when the POST is refused with 405, as distribution's client", async () => {
    const error = await rejection(fetchToken(options({ credentials: identityTokenCredentials(REFRESH), challenge: challenge("/get-only") })));
    expect(error).toMatchObject({ code: "ERR_REGISTRY_AUTH", status: 405 });
    expect(error.message).toContain("OAuth2 POST");
    expect(seen.map((r) => r.method)).toEqual(["POST"]);
  });
});

describe("fetchToken: other answers", () => {
  it("marks 5xx as retryable and a server fault", async () => {
    const error = await rejection(fetchToken(options({ challenge: challenge("/unavailable") })));
    expect(error).toMatchObject({ status: 503, retryable: true, fault: "server" });
    expect(error.message).toContain("UNAVAILABLE: try later");
  });

  it("rejects a 200 that is not JSON or has no token", async () => {
    expect((await rejection(fetchToken(options({ challenge: challenge("/not-json") })))).message).toContain("not JSON");
    expect((await rejection(fetchToken(options({ challenge: challenge("/no-token") })))).message).toContain("without a token");
  });

  it.each([
    [{}, /has no realm/],
    [{ realm: "/relative/token" }, /not an absolute http\(s\) URL/],
    [{ realm: "ftp://x/token" }, /not an absolute http\(s\) URL/],
  ])("rejects a challenge with params %j", async (params, reason) => {
    const error = await rejection(fetchToken(options({ challenge: { scheme: "bearer", params } })));
    expect(error).toBeInstanceOf(TokenError);
    expect(error.message).toMatch(reason);
    expect(seen).toHaveLength(0);
  });

  it("returns a registry token as is, without a request", async () => {
    const token = await fetchToken(options({ credentials: registryTokenCredentials("given-token") }));
    expect(token.token).toBe("given-token");
    expect(seen).toHaveLength(0);
  });

  it("honours an aborted signal before and during the request", async () => {
    await expect(fetchToken(options({ signal: AbortSignal.abort() }))).rejects.toBeInstanceOf(AbortedError);
    expect(seen).toHaveLength(0);
    let received: AbortSignal | undefined;
    const controller = new AbortController();
    await fetchToken(
      options({
        signal: controller.signal,
        http: async (url, init) => {
          received = init.signal;
          return http(url, init);
        },
      }),
    );
    expect(received).toBe(controller.signal);
  });
});
