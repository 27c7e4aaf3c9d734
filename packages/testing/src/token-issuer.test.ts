import { X509Certificate, verify } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { httpRequest } from "./http-request.js";
import { startTokenIssuer, type TokenIssuer } from "./token-issuer.js";
import { skipUnlessTools } from "./tools.js";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});
const json = (body: Buffer) => JSON.parse(body.toString()) as Record<string, unknown>;

function decode(token: string) {
  const [header, payload, signature] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header!, "base64url").toString()) as { alg: string; x5c: string[] },
    payload: JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>,
    input: `${header}.${payload}`,
    signature: Buffer.from(signature!, "base64url"),
  };
}

describe.skipIf(skipUnlessTools("openssl"))("startTokenIssuer", () => {
  let issuer: TokenIssuer;
  beforeAll(async () => {
    issuer = await startTokenIssuer({ username: "u", password: "p", service: "svc", issuer: "iss" });
  });
  afterAll(() => issuer?.stop());

  const get = (query: string, auth = basic("u", "p")) => httpRequest(`${issuer.realm}?${query}`, { headers: { authorization: auth } });

  it("answers 401 without or with wrong Basic credentials, and records it", async () => {
    const before = issuer.requests.length;
    const none = await httpRequest(`${issuer.realm}?service=svc&scope=repository:a:pull`);
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Basic /);
    expect((await get("service=svc", basic("u", "nope"))).status).toBe(401);
    expect(issuer.requests.slice(before)).toEqual([
      { method: "GET", scopes: ["repository:a:pull"], authorized: false, service: "svc", offline: false },
      { method: "GET", scopes: [], authorized: false, service: "svc", offline: false },
    ]);
  });

  it("issues an RS256 JWT, signed by certPath's key with x5c, granting exactly the requested scopes", async () => {
    const res = await get("service=svc&scope=repository:team/app:pull,push&scope=repository:host:5000/x:pull");
    expect(res.status).toBe(200);
    const body = json(res.body);
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(300);
    expect(body.refresh_token).toBeUndefined();
    const { header, payload, input, signature } = decode(String(body.token));
    expect(header.alg).toBe("RS256");
    const cert = new X509Certificate(await readFile(issuer.certPath));
    expect(header.x5c).toEqual([cert.raw.toString("base64")]);
    expect(verify("RSA-SHA256", Buffer.from(input), cert.publicKey, signature)).toBe(true);
    expect(payload).toMatchObject({ iss: "iss", aud: "svc", sub: "u" });
    expect(payload.access).toEqual([
      { type: "repository", name: "team/app", actions: ["pull", "push"] },
      { type: "repository", name: "host:5000/x", actions: ["pull"] },
    ]);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(300);
    expect(existsSync(issuer.keyPath)).toBe(true);
  });

  it("setExpiresIn changes the lifetime of later tokens", async () => {
    issuer.setExpiresIn(7);
    try {
      const body = json((await get("service=svc&scope=repository:a:pull")).body);
      expect(body.expires_in).toBe(7);
      const { payload } = decode(String(body.token));
      expect(Number(payload.exp) - Number(payload.iat)).toBe(7);
    } finally {
      issuer.setExpiresIn(300);
    }
  });

  it("returns a refresh token for offline_token=true, usable with the OAuth2 refresh grant", async () => {
    const body = json((await get("service=svc&offline_token=true&client_id=test&scope=repository:a:pull")).body);
    expect(typeof body.refresh_token).toBe("string");
    const refreshed = await httpRequest(issuer.realm, form({ grant_type: "refresh_token", refresh_token: String(body.refresh_token), service: "svc", scope: "repository:a:push" }));
    expect(refreshed.status).toBe(200);
    const access = json(refreshed.body);
    expect(decode(String(access.access_token)).payload.access).toEqual([{ type: "repository", name: "a", actions: ["push"] }]);
    expect(issuer.requests.at(-1)).toMatchObject({ method: "POST", grantType: "refresh_token", scopes: ["repository:a:push"], authorized: true });
  });

  it("lists every access and refresh token it issued, and nothing it refused", async () => {
    const before = issuer.issued.length;
    const first = json((await get("service=svc&offline_token=true&scope=repository:a:pull")).body);
    const refreshed = json((await httpRequest(issuer.realm, form({ grant_type: "refresh_token", refresh_token: String(first.refresh_token), service: "svc" }))).body);
    expect((await get("service=svc", basic("u", "nope"))).status).toBe(401);
    // The refresh grant hands the same refresh token back: it is listed once.
    expect(issuer.issued.slice(before)).toEqual([first.token, first.refresh_token, refreshed.token]);
  });

  it("supports the OAuth2 password grant, with a refresh token only for access_type=offline", async () => {
    const plain = await httpRequest(issuer.realm, form({ grant_type: "password", username: "u", password: "p", service: "svc", scope: "repository:a:pull repository:b:pull" }));
    expect(plain.status).toBe(200);
    const plainBody = json(plain.body);
    expect(plainBody.refresh_token).toBeUndefined();
    expect(decode(String(plainBody.access_token)).payload.access).toHaveLength(2);
    const offline = await httpRequest(issuer.realm, form({ grant_type: "password", username: "u", password: "p", service: "svc", access_type: "offline", client_id: "t" }));
    expect(typeof json(offline.body).refresh_token).toBe("string");
    const wrong = await httpRequest(issuer.realm, form({ grant_type: "password", username: "u", password: "x", service: "svc" }));
    expect(wrong.status).toBe(401);
    expect(issuer.requests.at(-1)).toMatchObject({ method: "POST", grantType: "password", authorized: false });
    const unsupported = await httpRequest(issuer.realm, form({ grant_type: "client_credentials" }));
    expect(unsupported.status).toBe(400);
  });

  it("revokeAll invalidates earlier refresh tokens and starts a new generation of tokens", async () => {
    const first = json((await get("service=svc&offline_token=true")).body);
    issuer.revokeAll();
    const refused = await httpRequest(issuer.realm, form({ grant_type: "refresh_token", refresh_token: String(first.refresh_token), service: "svc" }));
    expect(refused.status).toBe(401);
    expect(json(refused.body).error).toBe("invalid_grant");
    const second = json((await get("service=svc")).body);
    expect(second.token).not.toBe(first.token);
    expect(decode(String(second.token)).payload.gen).toBe(Number(decode(String(first.token)).payload.gen) + 1);
  });

  it("stop() closes the endpoint and removes the key files; a second stop is harmless", async () => {
    const other = await startTokenIssuer({ username: "u", password: "p", service: "svc", issuer: "iss" });
    await other.stop();
    await other.stop();
    const error = await httpRequest(other.realm).catch((e: NodeJS.ErrnoException) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    expect(existsSync(other.keyPath)).toBe(false);
    expect(existsSync(issuer.keyPath)).toBe(true); // the shared key material is per issuer on disk
  });

  it("rejects an already aborted signal", async () => {
    const error = await startTokenIssuer({ username: "u", password: "p", service: "s", issuer: "i", signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_ABORTED")).toBe(true);
  });
});
