export { ExpError, isExpError, type ExpErrorOptions, type Fault } from "./exp-error.js";
export { UnknownOptionError, InvalidOptionError, MissingOptionError } from "./option-errors.js";
export { didYouMean, editDistance } from "./did-you-mean.js";
export { AbortedError, throwIfAborted, isAbortError } from "./abort.js";
export { FileAccessError, hasCode, isNotFound, orAbsent, type OrAbsentOptions } from "./fs-absent.js";
export { isSecretName, maskCredentials, maskSecretAttrs, redactSecrets } from "./redact.js";
export { connectionFailureAttempts, connectionFailureOf, type ConnectionFailure, type ConnectionFailureKind } from "./connection-failure.js";
export { Secret } from "./secret.js";
export { jitteredBackoff } from "./backoff.js";
