import { InvalidOptionError, type Secret } from "@exp/errors";

/** One git ref the runtime token may read (bit 1) or write (bit 2) cache entries of. */
export interface TokenScope {
  scope: string;
  permission: number;
}

export const PERMISSION_READ = 1;
export const PERMISSION_WRITE = 2;

export interface RuntimeToken {
  scopes: TokenScope[];
  expiresAt: Date;
}

/**
 * Reads ACTIONS_RUNTIME_TOKEN as go-actions-cache's New does (cache.go): a JWT, not verified here
 * (the service does that), whose `ac` claim is a JSON *string* listing the scopes, and whose `exp`
 * and `nbf` must hold now. BuildKit derives the index keys from these scopes, so exp needs them too.
 * The token's value never appears in an error.
 */
export function parseRuntimeToken(token: Secret, component: string, now = Date.now()): RuntimeToken {
  const bad = (why: string) => new InvalidOptionError(component, "token", "****", `a GitHub Actions runtime token (ACTIONS_RUNTIME_TOKEN): ${why}`);
  const parts = token.reveal().split(".");
  if (parts.length !== 3) throw bad("it is not a JWT (three dot-separated parts)");
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    throw bad("its claims are not JSON");
  }
  if (typeof claims.ac !== "string") throw bad('it has no "ac" (access controls) claim');
  let list: unknown;
  try {
    list = JSON.parse(claims.ac);
  } catch {
    throw bad('its "ac" claim is not a JSON list');
  }
  if (!Array.isArray(list)) throw bad('its "ac" claim is not a JSON list');
  const scopes = list.map((item: unknown) => {
    const s = item as { Scope?: unknown; Permission?: unknown };
    if (typeof s?.Scope !== "string" || typeof s.Permission !== "number") throw bad('an "ac" entry lacks Scope or Permission');
    return { scope: s.Scope, permission: s.Permission };
  });
  if (typeof claims.exp !== "number") throw bad('it has no "exp" (expiry) claim');
  if (typeof claims.nbf !== "number") throw bad('it has no "nbf" (not before) claim');
  const expiresAt = new Date(claims.exp * 1000);
  if (now > claims.exp * 1000) throw bad(`it expired at ${expiresAt.toISOString()}`);
  if (now < claims.nbf * 1000) throw bad(`it is not valid before ${new Date(claims.nbf * 1000).toISOString()}`);
  return { scopes, expiresAt };
}

/** The scope an export writes its index under: the last one the token may write, as BuildKit's indexKey loop picks (gha.go). */
export function writeScope(token: RuntimeToken): string | undefined {
  let found: string | undefined;
  for (const s of token.scopes) if ((s.permission & PERMISSION_WRITE) !== 0) found = s.scope;
  return found;
}
