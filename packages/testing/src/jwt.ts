import { X509Certificate, randomUUID, sign } from "node:crypto";

/** One entry of the `access` claim the registry checks: `repository:name:pull,push` parsed. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Parses a scope `type:name:actions`. The name may itself contain colons (a registry host with a
 * port), so the type is the first field and the actions the last. Undefined when malformed.
 */
export function parseScope(scope: string): TokenAccess | undefined {
  const parts = scope.split(":");
  if (parts.length < 3) return undefined;
  const type = parts[0]!;
  const actions = parts[parts.length - 1]!.split(",").filter(Boolean);
  const name = parts.slice(1, -1).join(":");
  if (!type || !name) return undefined;
  return { type, name, actions };
}

export interface RegistryTokenClaims {
  issuer: string;
  subject: string;
  audience: string;
  expiresIn: number;
  access: TokenAccess[];
  /** Extra claims, e.g. a generation counter so tokens after a revocation are recognisable. */
  extra?: Record<string, unknown>;
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

/**
 * An RS256 JWT in the shape distribution's token auth accepts: the signing certificate travels in
 * the `x5c` header, and the registry checks that it chains to its `rootcertbundle`.
 */
export function signRegistryToken(claims: RegistryTokenClaims, keyPem: string, certPem: string): string {
  const x5c = [new X509Certificate(certPem).raw.toString("base64")];
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: "JWT", alg: "RS256", x5c };
  const payload = {
    iss: claims.issuer,
    sub: claims.subject,
    aud: claims.audience,
    exp: now + claims.expiresIn,
    nbf: now - 10, // tolerate a little clock skew between us and the registry
    iat: now,
    jti: randomUUID(),
    access: claims.access,
    ...claims.extra,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(sign("RSA-SHA256", Buffer.from(input), keyPem))}`;
}
