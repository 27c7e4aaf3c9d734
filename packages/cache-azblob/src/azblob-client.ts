import type { BlockBlobClient, ContainerClient } from "@azure/storage-blob";
import { ExpError } from "@exp/errors";
import { AzblobCacheError, azureErrorCode, isNotFound } from "./azblob-error.js";
import type { AzblobCacheOptions } from "./options.js";
import { retryStreamed, withTryTimeout } from "./upload/retry.js";

type Sdk = typeof import("@azure/storage-blob");

/** Timeouts and tries, for tests to shorten. */
export interface AzblobTuning {
  /** Tries of every request, the first included. */
  maxTries: number;
  /** How long one try of a small request may take (BuildKit gives a blob existence check 60 s, utils.go). */
  tryTimeoutMs: number;
  /** Size of a staged block. */
  blockSize: number;
  /** Blocks of one blob in flight at once. */
  blockConcurrency: number;
  /** How long a staged block may go without a byte moving before its try fails (and is retried). */
  blockIdleTimeoutMs: number;
  /** Between tries: a random part of this doubling (the SDK's and exp's own retries alike). */
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/**
 * 7 tries as the S3 and registry clients make (the SDK's default is 4 with a 4 s base delay). Blocks
 * of 16 MiB, 2 at a time per blob, as the S3 backend's parts: `upload_parallelism` blobs at once
 * share one link, so more would only hold more requests open (BuildKit's own are 32 MiB × 4 per
 * blob, one blob at a time, exporter.go/utils.go).
 */
export const defaultTuning: AzblobTuning = {
  maxTries: 7,
  tryTimeoutMs: 60_000,
  blockSize: 16 * 1024 * 1024,
  blockConcurrency: 2,
  blockIdleTimeoutMs: 60_000,
  retryDelayMs: 100,
  maxRetryDelayMs: 20_000,
};

export interface AzblobClients {
  sdk: Sdk;
  /**
   * The container, through a pipeline that makes one try per call and sets no time limit of its
   * own: exp retries (`retried`, with a fresh body for a block) and bounds each try itself
   * (`withTryTimeout` for a request, upload-blob.ts's idle timer for a staged block).
   */
  container: ContainerClient;
}

/**
 * The SDK is imported lazily, so builds that never touch Azure never load it. Its pipeline makes one
 * try per call and exp retries every call itself: the SDK's StorageRetryPolicy gives up on a 429
 * and on a body cut after the headers (an abort, or PARSE_ERROR), both of which the fault matrix
 * shows (azblob-faults.test.ts), and its tryTimeoutInMs did not end a request a silent server held.
 */
export async function azblobClients(options: AzblobCacheOptions): Promise<AzblobClients> {
  const sdk = await import("@azure/storage-blob");
  const credential =
    options.credential.kind === "shared-key"
      ? new sdk.StorageSharedKeyCredential(options.accountName, options.credential.accountKey.reveal())
      : options.credential.kind === "entra"
        ? await entraCredential()
        : new sdk.AnonymousCredential();
  const url = options.credential.kind === "sas" ? `${options.accountUrl}?${options.credential.sas.reveal()}` : options.accountUrl;
  const pipeline = sdk.newPipeline(credential, { retryOptions: { maxTries: 1 }, userAgentOptions: { userAgentPrefix: "exp" } });
  return { sdk, container: new sdk.BlobServiceClient(url, pipeline).getContainerClient(options.container) };
}

/**
 * Microsoft Entra ID, as BuildKit's azblob backend authenticates without a key (utils.go:
 * azidentity.NewDefaultAzureCredential): the environment's service principal, workload identity,
 * managed identity, then the Azure CLI. @azure/identity is an optional peer dependency (about 50 MB
 * with MSAL), loaded only here: a build with a key or a SAS token never needs it.
 */
async function entraCredential(): Promise<import("@azure/identity").TokenCredential> {
  let identity: typeof import("@azure/identity");
  try {
    identity = await import("@azure/identity");
  } catch (error) {
    throw new ExpError(
      "ERR_AZBLOB_NO_CREDENTIAL",
      "cache azblob: no secret_access_key, SAS token, AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_KEY was given, and Microsoft Entra ID credentials (DefaultAzureCredential) need @azure/identity, which is not installed: install it next to @exp/cache-azblob, or give secret_access_key=<account key>",
      { cause: error, fault: "client" },
    );
  }
  return new identity.DefaultAzureCredential();
}

/**
 * A blob reached through a signed URL (a SAS in its query, as GitHub's cache service hands out),
 * through the same one-try pipeline as azblobClients: exp retries and times each call itself.
 */
export async function signedBlobClient(url: string): Promise<BlockBlobClient> {
  const sdk = await import("@azure/storage-blob");
  const pipeline = sdk.newPipeline(new sdk.AnonymousCredential(), { retryOptions: { maxTries: 1 }, userAgentOptions: { userAgentPrefix: "exp" } });
  return new sdk.BlockBlobClient(url, pipeline);
}

/** Runs one call with exp's retries (retry.ts): `maxTries` tries, backing off between them, each given `tryTimeoutMs` to be answered. */
export function retried<T>(tuning: AzblobTuning, signal: AbortSignal, call: (trySignal: AbortSignal) => Promise<T>): Promise<T> {
  return retryStreamed(() => withTryTimeout(tuning.tryTimeoutMs, signal, call), signal, { attempts: tuning.maxTries, baseDelayMs: tuning.retryDelayMs, maxDelayMs: tuning.maxRetryDelayMs });
}

/**
 * Creates the container when it is missing, as BuildKit does before every export (utils.go,
 * createContainerClient: GetProperties, then Create on ContainerNotFound). Two builds creating it
 * at once is fine: the loser's ContainerAlreadyExists is success.
 */
export async function ensureContainer(container: ContainerClient, signal: AbortSignal, tuning: AzblobTuning = defaultTuning): Promise<"present" | "created"> {
  try {
    await retried(tuning, signal, (trySignal) => container.getProperties({ abortSignal: trySignal }));
    return "present";
  } catch (error) {
    if (signal.aborted) throw error;
    if (!isNotFound(error)) throw new AzblobCacheError(`checking container ${container.containerName}`, error);
  }
  try {
    await retried(tuning, signal, (trySignal) => container.create({ abortSignal: trySignal }));
    return "created";
  } catch (error) {
    if (signal.aborted) throw error;
    if (azureErrorCode(error) === "ContainerAlreadyExists") return "present";
    throw new AzblobCacheError(`creating container ${container.containerName}`, error);
  }
}

/** BuildKit's blobExists (utils.go): a blob's properties, BlobNotFound meaning "not there". */
export async function blobExists(container: ContainerClient, name: string, signal: AbortSignal, tuning: AzblobTuning = defaultTuning): Promise<boolean> {
  try {
    await retried(tuning, signal, (trySignal) => container.getBlobClient(name).getProperties({ abortSignal: trySignal }));
    return true;
  } catch (error) {
    if (signal.aborted) throw error;
    if (isNotFound(error)) return false;
    throw new AzblobCacheError(`checking ${name} in container ${container.containerName}`, error);
  }
}

/**
 * Writes a cache config with one Put Blob, "last writer wins", as BuildKit's uploadManifest does
 * (exporter.go): another build writing the same name at the same time leaves one whole config.
 */
export async function putManifest(blob: BlockBlobClient, body: string, signal: AbortSignal, tuning: AzblobTuning = defaultTuning): Promise<void> {
  try {
    await retried(tuning, signal, (trySignal) => blob.upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/json" }, abortSignal: trySignal }));
  } catch (error) {
    throw signal.aborted ? error : new AzblobCacheError(`writing ${blob.name}`, error);
  }
}
