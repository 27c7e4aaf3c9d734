export { parseChallenges, type Challenge } from "./challenge.js";
export { scopeFor, mergeScopes, type RepositoryAction } from "./scope.js";
export {
  anonymousCredentials,
  basicCredentials,
  identityTokenCredentials,
  registryTokenCredentials,
  sealCredentials,
  describeCredentials,
  basicAuthorization,
  type Credentials,
  type ResolvedCredentials,
} from "./credentials.js";
export { resolveCredentials, NO_CREDENTIALS_SOURCE, type ResolveCredentialsOptions } from "./resolve-credentials.js";
export { createCredentialHelperRunner, type RunCredentialHelper, type CredentialHelperRunnerOptions } from "./credential-helper.js";
export { CredentialHelperNotFoundError, CredentialHelperError, InvalidCredentialsFileError } from "./credential-errors.js";
export { TokenCache, DEFAULT_TOKEN_LIFETIME_SECONDS, type TokenCacheKey, type TokenCacheOptions } from "./token-cache.js";
export { fetchToken, type FetchTokenOptions } from "./fetch-token.js";
export { TokenError } from "./token-error.js";
export type { TokenResponse } from "./token-response.js";
export type { HttpFetch } from "./http-fetch.js";
export { redactSecrets, REDACTED } from "./redact.js";
