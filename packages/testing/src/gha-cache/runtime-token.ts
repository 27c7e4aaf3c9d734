import { createHmac, timingSafeEqual } from "node:crypto";
import { TwirpError } from "./twirp.js";
import type { GhaCacheScope } from "./types.js";

/**
 * ACTIONS_RUNTIME_TOKEN as the cache service reads it. GitHub's tokens are JWTs whose `ac` claim is
 * a JSON *string* (not an array) of `[{"Scope":"refs/heads/main","Permission":3}]`; BuildKit's
 * go-actions-cache (cache.go, New) parses exactly that, and refuses a token without exp or nbf.
 * Ours are HS256 with a secret only this server knows, so a test can forge nothing it did not ask for.
 */
const b64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function signRuntimeToken(secret: Buffer, scopes: readonly GhaCacheScope[], expiresInSeconds = 3600): string {
  for (const { scope, permission } of scopes) {
    if (typeof scope !== "string" || !Number.isInteger(permission) || permission < 0) throw new Error(`token(): a scope must be { scope: string, permission: integer >= 0 }, got ${JSON.stringify({ scope, permission })}`);
  }
  if (!Number.isFinite(expiresInSeconds)) throw new Error(`token(): expiresInSeconds must be a finite number, got ${expiresInSeconds}`);
  const now = nowSeconds();
  const header = { typ: "JWT", alg: "HS256" };
  const payload = {
    ac: JSON.stringify(scopes.map(({ scope, permission }) => ({ Scope: scope, Permission: permission }))),
    nbf: now,
    iat: now,
    exp: now + Math.trunc(expiresInSeconds),
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(hmac(secret, input))}`;
}

/**
 * The scopes of the bearer token in an Authorization header, in the token's order; a TwirpError
 * `unauthenticated` (401) when it is missing, not ours (signature), expired or not valid yet.
 */
export function verifyRuntimeToken(secret: Buffer, authorization: string | undefined): GhaCacheScope[] {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) throw new TwirpError("unauthenticated", "no bearer token (Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>)");
  const parts = match[1]!.split(".");
  if (parts.length !== 3) throw new TwirpError("unauthenticated", "the bearer token is not a JWT");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart) as { alg?: unknown } | undefined;
  // Only HS256: a token that names another algorithm ("none" above all) is not one of ours.
  if (header?.alg !== "HS256") throw new TwirpError("unauthenticated", "the token is not signed with HS256");
  const expected = hmac(secret, `${headerPart}.${payloadPart}`);
  const given = Buffer.from(signaturePart, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new TwirpError("unauthenticated", "the token's signature is not valid");
  const claims = decodeJson(payloadPart) as { ac?: unknown; exp?: unknown; nbf?: unknown } | undefined;
  if (!claims || typeof claims.exp !== "number") throw new TwirpError("unauthenticated", "the token has no exp claim");
  const now = nowSeconds();
  if (now >= claims.exp) throw new TwirpError("unauthenticated", `the token expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (typeof claims.nbf === "number" && now < claims.nbf) throw new TwirpError("unauthenticated", `the token is not valid before ${new Date(claims.nbf * 1000).toISOString()}`);
  return parseAccessControls(claims.ac);
}

/** The `ac` claim: a JSON string of [{Scope, Permission}]. */
function parseAccessControls(ac: unknown): GhaCacheScope[] {
  const invalid = () => new TwirpError("unauthenticated", 'the token\'s ac claim is not a JSON string of [{"Scope":…,"Permission":…}]');
  if (typeof ac !== "string") throw invalid();
  let list: unknown;
  try {
    list = JSON.parse(ac);
  } catch {
    throw invalid();
  }
  if (!Array.isArray(list)) throw invalid();
  return list.map((item: unknown) => {
    const { Scope, Permission } = (item ?? {}) as { Scope?: unknown; Permission?: unknown };
    if (typeof Scope !== "string" || typeof Permission !== "number") throw invalid();
    return { scope: Scope, permission: Permission };
  });
}

function hmac(secret: Buffer, input: string): Buffer {
  return createHmac("sha256", secret).update(input).digest();
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}
