import type { S3Client } from "@aws-sdk/client-s3";
import { ExpError } from "@exp/errors";
import type { S3CacheOptions } from "./options.js";

/**
 * The AWS SDK is imported lazily, so builds that never touch S3 never load it. Checksums are
 * computed only when required: the SDK's default sends stream bodies `aws-chunked` with a CRC32
 * trailer, which S3-compatible stores (Swift, MinIO, R2, GCS, OCI) reject or silently store raw
 * (BuildKit #6969/#6970).
 */
export async function s3Client(options: S3CacheOptions, tuning: { maxAttempts?: number } = {}): Promise<{ client: S3Client; sdk: typeof import("@aws-sdk/client-s3") }> {
  const sdk = await import("@aws-sdk/client-s3");
  const client = new sdk.S3Client({
    ...(tuning.maxAttempts !== undefined ? { maxAttempts: tuning.maxAttempts } : {}),
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.pathStyle,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return { client, sdk };
}

/** An S3 failure, named by the service's error code and the key, never with credentials. */
export class S3CacheError extends ExpError {
  readonly s3Code: string;
  constructor(action: string, error: unknown) {
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
