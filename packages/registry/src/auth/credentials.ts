import { REDACTED } from "./redact.js";

/** Who we are to a registry. Build these with the helpers below so they never print a secret. */
export type Credentials =
  | { readonly kind: "anonymous" }
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  /** An OAuth2 refresh token, docker's `identitytoken` (ACR, some Harbor and Docker Hub logins). */
  | { readonly kind: "identity-token"; readonly token: string }
  /** A bearer token for the registry itself, used as is. */
  | { readonly kind: "registry-token"; readonly token: string };

/** Credentials and where they came from, e.g. "docker config auths (/home/me/.docker/config.json)". */
export interface ResolvedCredentials {
  credentials: Credentials;
  /** Never contains a secret: safe for logs and error messages. */
  source: string;
}

const inspectCustom = Symbol.for("nodejs.util.inspect.custom");

/** The public view of credentials: the kind and the username, never a password or token. */
export function describeCredentials(credentials: Credentials): string {
  switch (credentials.kind) {
    case "anonymous":
      return "anonymous access";
    case "basic":
      return `username ${JSON.stringify(credentials.username)} and a password`;
    case "identity-token":
      return "an identity token";
    case "registry-token":
      return "a registry token";
  }
}

// Frozen, with toJSON/inspect/toString that redact: credentials end up in option objects that
// get logged or serialized whole, and that must not leak the secret.
function seal<T extends Credentials>(value: T): T {
  const safe: Record<string, string> = { ...value };
  if ("password" in safe) safe.password = REDACTED;
  if ("token" in safe) safe.token = REDACTED;
  Object.defineProperties(value, {
    toJSON: { value: () => ({ ...safe }) },
    toString: { value: () => `Credentials(${describeCredentials(value)})` },
    [inspectCustom]: {
      value: (_depth: number, options: unknown, inspect?: (value: unknown, options: unknown) => string) =>
        `Credentials ${inspect ? inspect(safe, options) : JSON.stringify(safe)}`,
    },
  });
  return Object.freeze(value);
}

export function anonymousCredentials(): Credentials {
  return seal({ kind: "anonymous" });
}

export function basicCredentials(username: string, password: string): Credentials {
  return seal({ kind: "basic", username, password });
}

export function identityTokenCredentials(token: string): Credentials {
  return seal({ kind: "identity-token", token });
}

export function registryTokenCredentials(token: string): Credentials {
  return seal({ kind: "registry-token", token });
}

/** Re-creates credentials through the helpers, so plain objects from callers get redaction too. */
export function sealCredentials(credentials: Credentials | { username: string; password: string }): Credentials {
  if (!("kind" in credentials)) return basicCredentials(credentials.username, credentials.password);
  switch (credentials.kind) {
    case "anonymous":
      return anonymousCredentials();
    case "basic":
      return basicCredentials(credentials.username, credentials.password);
    case "identity-token":
      return identityTokenCredentials(credentials.token);
    case "registry-token":
      return registryTokenCredentials(credentials.token);
  }
}

/** The secrets inside credentials, for scrubbing text that might echo them. */
export function secretsOf(credentials: Credentials): string[] {
  switch (credentials.kind) {
    case "anonymous":
      return [];
    case "basic":
      return [credentials.password, Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")];
    case "identity-token":
    case "registry-token":
      return [credentials.token];
  }
}

/** The header value for a registry's Basic challenge, when the credentials can answer it. */
export function basicAuthorization(credentials: Credentials): string | undefined {
  if (credentials.kind !== "basic") return undefined;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}
