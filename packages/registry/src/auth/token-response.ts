import { REDACTED } from "./redact.js";

/** A bearer token from a token server. */
export interface TokenResponse {
  token: string;
  /** Lifetime in seconds from `issuedAt` (or from receipt). */
  expiresIn: number;
  issuedAt?: Date;
  /** An OAuth2 refresh token, when the server returned one. */
  refreshToken?: string;
}

const inspectCustom = Symbol.for("nodejs.util.inspect.custom");

/** Freezes a TokenResponse and makes JSON/inspect/toString show everything but the tokens. */
export function sealTokenResponse(response: TokenResponse): TokenResponse {
  const safe = { ...response, token: REDACTED, ...(response.refreshToken === undefined ? {} : { refreshToken: REDACTED }) };
  Object.defineProperties(response, {
    toJSON: { value: () => ({ ...safe }) },
    toString: { value: () => `TokenResponse(expiresIn=${response.expiresIn})` },
    [inspectCustom]: {
      value: (_depth: number, options: unknown, inspect?: (value: unknown, options: unknown) => string) =>
        `TokenResponse ${inspect ? inspect(safe, options) : JSON.stringify(safe)}`,
    },
  });
  return Object.freeze(response);
}
