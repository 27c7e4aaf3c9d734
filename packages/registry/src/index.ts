export { RegistryClient, createRegistryClient, type RegistryClientOptions } from "./client.js";
export type { RepositoryRef, Action } from "./repository.js";
export { repositoryScope } from "./repository.js";

export { fileBlobSource, bytesBlobSource, type BlobSource } from "./blobs/blob-source.js";
export { defaultChunkSize, type PushBlobOptions, type PushBlobResult } from "./blobs/push-blob.js";
export { filePushLocks, type FilePushLockOptions, type PushLockKey, type PushLocks } from "./blobs/push-lock.js";
export type { GetBlobOptions } from "./blobs/get-blob.js";
export type { ManifestRef, FetchedManifest } from "./manifests/manifests.js";
export { manifestAccept, maxManifestBytes } from "./manifests/manifest-accept.js";

export { HostLimiters, sharedHostLimiters, defaultHostLimits, type HostLimits, type RequestClass } from "./transport/limiter.js";
export { isLoopbackHost, type HostOptions, type TlsOptions } from "./transport/hosts.js";
export type { RetryOptions } from "./transport/retry.js";
export type { AuthOptions } from "./transport/authenticator.js";

export {
  RegistryError,
  RegistryNetworkError,
  RegistryProtocolError,
  RegistryUnreachableError,
  RetriesExhaustedError,
  isRetryableStatus,
  redactUrl,
  type RegistryErrorDetail,
} from "./errors.js";
export type { ConnectionFailureKind } from "./transport/connection-failure.js";

// Image references are parsed by @exp/oci-spec (no HTTP needed to name an image); re-exported here
// for the callers that already import them from the client.
export {
  DOCKER_HUB,
  InvalidReferenceError,
  isDockerHub,
  normalizeRegistry,
  parseReference,
  registryApiHost,
  type ImageReference,
  type ParseReferenceOptions,
} from "@exp/oci-spec";
export * from "./auth/index.js";
export { createUrlFetcher, UrlFetchError, type UrlFetcher, type UrlFetcherOptions, type UrlResponse } from "./url/url-fetcher.js";
