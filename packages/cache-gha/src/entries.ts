import { setTimeout as sleep } from "node:timers/promises";
import type { Readable } from "node:stream";
import { defaultTuning, isRestError, resumeRetry, retried, signedBlobClient, statusOf, uploadBlob, type AzblobTuning, type UploadBlobOptions } from "@exp/cache-azblob";
import { resumableVerifiedBody, type Descriptor } from "@exp/oci-spec";
import { GhaCacheError } from "./gha-error.js";
import { mutableIndex } from "./keys.js";
import type { CacheService } from "./service/cache-service.js";

/**
 * A content-store blob saved as the entry `key`, as go-actions-cache's Save does (reserve, upload
 * to the signed URL, commit with the size). The upload is @exp/cache-azblob's: blocks streamed
 * from the store, the whole blob verified before the block list is committed, each block retried
 * with a fresh body. "present" when the entry already exists (BuildKit ignores ErrExist there too).
 */
export async function saveBlobEntry(
  service: CacheService,
  key: string,
  blob: Descriptor,
  upload: Omit<UploadBlobOptions, "client" | "blob" | "signal" | "blockSize" | "blockConcurrency" | "idleTimeoutMs" | "tryTimeoutMs" | "retry">,
  signal: AbortSignal,
  tuning: AzblobTuning = defaultTuning,
): Promise<"uploaded" | "present"> {
  const reserved = await service.createEntry(key, signal);
  if (reserved === "exists") return "present";
  await uploadBlob({
    ...upload,
    client: await signedBlobClient(reserved.uploadUrl),
    blob,
    signal,
    blockSize: tuning.blockSize,
    blockConcurrency: tuning.blockConcurrency,
    idleTimeoutMs: tuning.blockIdleTimeoutMs,
    tryTimeoutMs: tuning.tryTimeoutMs,
    retry: { attempts: tuning.maxTries, baseDelayMs: tuning.retryDelayMs, maxDelayMs: tuning.maxRetryDelayMs },
  }).catch((error: unknown) => Promise.reject(signal.aborted || !isRestError(error) ? error : new GhaCacheError(`uploading cache entry ${key}`, { message: "the signed upload URL failed", cause: error, ...statusDetail(error) })));
  await service.finalizeEntry(key, blob.size, signal);
  return "uploaded";
}

/** How long a `#N` taken by another export blocks this one before it moves past it (go-actions-cache's forceTimeout for the index: 15 s). */
const MUTABLE_WAIT_MS = 15_000;
const MUTABLE_POLL_MS = 2_000;

/**
 * Saves `body` as the newest `key#N`, as go-actions-cache's SaveMutable does for BuildKit's cache
 * index: entries are immutable, so the next number after the newest one found is reserved; a
 * number another export holds (reserved, not yet committed) is waited on for up to 15 s, then
 * skipped (that export may have died holding it). Returns the key written.
 */
export async function saveMutableEntry(service: CacheService, key: string, body: string, signal: AbortSignal, tuning: AzblobTuning = defaultTuning): Promise<string> {
  let blocked = 0;
  for (;;) {
    const newest = await service.lookup(`${key}#`, [`${key}#`], signal);
    let index = newest === undefined ? 0 : mutableIndex(newest.matchedKey, key);
    if (index === undefined) throw new GhaCacheError(`saving ${key}`, { message: `the newest entry, ${newest!.matchedKey}, has no number after "#"` });
    let uploadUrl: string | undefined;
    while (uploadUrl === undefined) {
      index++;
      const reserved = await service.createEntry(`${key}#${index}`, signal);
      if (reserved !== "exists") {
        uploadUrl = reserved.uploadUrl;
        break;
      }
      if (blocked <= MUTABLE_WAIT_MS) break;
    }
    if (uploadUrl === undefined) {
      blocked += MUTABLE_POLL_MS;
      await sleep(MUTABLE_POLL_MS, undefined, { signal });
      continue;
    }
    const client = await signedBlobClient(uploadUrl);
    const bytes = Buffer.from(body, "utf8");
    await retried(tuning, signal, (trySignal) => client.upload(bytes, bytes.byteLength, { blobHTTPHeaders: { blobContentType: "application/json" }, abortSignal: trySignal })).catch((error: unknown) =>
      Promise.reject(signal.aborted ? error : new GhaCacheError(`uploading cache entry ${key}#${index}`, { message: "the signed upload URL failed", cause: error, ...statusDetail(error) })),
    );
    await service.finalizeEntry(`${key}#${index}`, bytes.byteLength, signal);
    return `${key}#${index}`;
  }
}

/** A whole small entry (a cache config), read again whole when its body breaks. */
export async function readEntryText(url: string, what: string, signal: AbortSignal, tuning: AzblobTuning = defaultTuning): Promise<string> {
  const client = await signedBlobClient(url);
  try {
    const buffer = await retried(tuning, signal, (trySignal) => client.downloadToBuffer(0, undefined, { abortSignal: trySignal, maxRetryRequestsPerBlock: 0 }));
    return buffer.toString("utf8");
  } catch (error) {
    throw signal.aborted ? error : new GhaCacheError(`reading ${what}`, { message: "the signed download URL failed", cause: error, ...statusDetail(error) });
  }
}

/**
 * A blob entry's bytes, verified against `descriptor` as they stream and resumed with a Range
 * request where the body broke. A signed URL that has expired (403) is looked up again once, as
 * go-actions-cache's downloadV2 reloads it.
 */
export function openBlobEntry(
  descriptor: Descriptor,
  what: string,
  locate: (refresh: boolean, signal: AbortSignal) => Promise<string>,
  signal: AbortSignal | undefined,
  tuning: AzblobTuning = defaultTuning,
): Promise<Readable> {
  return resumableVerifiedBody({
    descriptor,
    what,
    retry: resumeRetry({ attempts: tuning.maxTries, baseDelayMs: tuning.retryDelayMs, maxDelayMs: tuning.maxRetryDelayMs }),
    ...(signal ? { signal } : {}),
    request: async (offset, requestSignal) => {
      const callSignal = requestSignal ?? new AbortController().signal;
      const download = async (refresh: boolean) => {
        const client = await signedBlobClient(await locate(refresh, callSignal));
        return retried(tuning, callSignal, (trySignal) => client.download(offset, undefined, { maxRetryRequests: 0, abortSignal: trySignal }));
      };
      const answer = await download(false).catch((error: unknown) => (statusOf(error) === 403 && !callSignal.aborted ? download(true) : Promise.reject(error)));
      return { status: answer._response.status, body: answer.readableStreamBody as Readable };
    },
  }).catch((error: unknown) => Promise.reject(signal?.aborted || error instanceof GhaCacheError || !isRestError(error) ? error : new GhaCacheError(`fetching ${what}`, { cause: error, ...statusDetail(error) })));
}

function statusDetail(error: unknown): { status?: number } {
  const status = statusOf(error);
  return status === undefined ? {} : { status };
}
