import type { S3Client } from "@aws-sdk/client-s3";
import { ExpError } from "@exp/errors";
import { connectionFailureOf, describeConnectionFailure } from "./connection-failure.js";
import { connectionAwareRetryStrategy } from "./connection-retry-strategy.js";
import type { S3CacheOptions } from "./options.js";

/**
 * The AWS SDK is imported lazily, so builds that never touch S3 never load it. Checksums are
 * computed only when required: the SDK's default sends stream bodies `aws-chunked` with a CRC32
 * trailer, which S3-compatible stores (Swift, MinIO, R2, GCS, OCI) reject or silently store raw
 * (BuildKit #6969/#6970).
 */
export async function s3Client(options: S3CacheOptions, tuning: { maxAttempts?: number; socketTimeoutMs?: number } = {}): Promise<{ client: S3Client; sdk: typeof import("@aws-sdk/client-s3") }> {
  const sdk = await import("@aws-sdk/client-s3");
  const maxAttempts = tuning.maxAttempts ?? S3_MAX_ATTEMPTS;
  const retryStrategy = await connectionAwareRetryStrategy(sdk, maxAttempts);
  const client = new sdk.S3Client({
    maxAttempts,
    ...(retryStrategy ? { retryStrategy } : {}),
    requestHandler: { connectionTimeout: S3_CONNECT_TIMEOUT_MS, socketTimeout: tuning.socketTimeoutMs ?? S3_SOCKET_TIMEOUT_MS },
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.pathStyle,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    logger: silentLogger,
  });
  return { client, sdk };
}

/**
 * With its default logger the SDK writes to the console itself, e.g. "An error was encountered in
 * a non-retryable streaming request." for every stream upload that fails or is aborted: a line
 * outside exp's progress output, which breaks `--progress rawjson`. exp reports every S3 failure
 * itself (S3CacheError), so the SDK gets a logger that says nothing. (It must not be the SDK's
 * NoOpLogger: that is exactly the case in which the SDK falls back to the console.)
 */
export const silentLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Tries per request, the first included, as many as the registry client makes. The SDK's default of
 * 3 gives up on one request in a thousand when 10% of requests fail, which at a dozen requests per
 * cache export failed about one export in a hundred (issue 8's flaky-destination test); 7 tries
 * make it one in ten million per request. Between them the SDK waits a random part of 50 ms
 * doubling (1 s doubling, capped at 20 s, when throttled): at most 3.15 s for a dead endpoint.
 */
export const S3_MAX_ATTEMPTS = 7;

/**
 * How long S3 may take to accept a connection, and then stay silent (no byte either way) before the
 * try fails as a TimeoutError, which is retried. The SDK's defaults are no limit at all: an endpoint
 * that accepted the connection and never answered held a build forever (issue 8). The same limits
 * as the registry client's connect and headers/body timeouts.
 */
export const S3_CONNECT_TIMEOUT_MS = 30_000;
export const S3_SOCKET_TIMEOUT_MS = 60_000;

/**
 * An S3 failure, named by the service's error code and the key, never with credentials. A
 * connection that could not be made (refused, a host name that does not resolve) is
 * `ERR_S3_UNREACHABLE` and says so, naming the address; every other failure is `ERR_S3`.
 */
export class S3CacheError extends ExpError {
  readonly s3Code: string;
  constructor(action: string, error: unknown) {
    const failure = connectionFailureOf(error);
    if (failure !== undefined) {
      const attempts = (error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
      super("ERR_S3_UNREACHABLE", `${action}: ${describeConnectionFailure(failure, typeof attempts === "number" ? attempts : undefined)}`, {
        cause: error,
        fault: failure.kind === "host-not-found" ? "client" : "server",
      });
      this.s3Code = failure.code;
      return;
    }
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // A HEAD has no body to name the error: say what its status means.
    const raw = (error as { name?: string; Code?: string }).Code ?? (error as { name?: string }).name ?? "Error";
    const name = raw === "Unknown" || raw === "Error" ? (status === 403 ? "Forbidden" : status === 401 ? "Unauthorized" : raw) : raw;
    super("ERR_S3", `${action}: ${name}${status ? ` (HTTP ${status})` : ""}`, { cause: error, fault: status !== undefined && status < 500 ? "client" : "server", retryable: status === undefined || status >= 500 });
    this.s3Code = name;
  }
}

export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}
