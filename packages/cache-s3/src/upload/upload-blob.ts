import { pipeline, type Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Descriptor } from "@exp/oci-spec";
import { countBytes } from "./count-bytes.js";
import { retryStreamed, type StreamRetry } from "./retry.js";

type Sdk = typeof import("@aws-sdk/client-s3");

export interface UploadBlobOptions {
  /** A client that makes one attempt per request (see retryStreamed). */
  client: S3Client;
  sdk: Sdk;
  bucket: string;
  key: string;
  blob: Descriptor;
  /** The content store: its (verified when whole) reads, and its verification of a whole blob. */
  store: {
    read(digest: string, options: { start?: number; end?: number; signal?: AbortSignal }): Promise<NodeJS.ReadableStream>;
    verify(digest: string, options: { signal?: AbortSignal }): Promise<number>;
  };
  signal: AbortSignal;
  /** Blobs up to this size go in one PUT; larger ones in parts of this size. */
  partSize: number;
  /** Parts of one blob in flight at once. */
  partConcurrency: number;
  onBytes?: (uploaded: number) => void;
  retry?: StreamRetry;
}

/**
 * Uploads a blob from the content store by streaming it, so no part is ever held in memory and
 * the SDK does not hash each part for the signature (it signs a stream as UNSIGNED-PAYLOAD, as it
 * does over TLS). lib-storage's Upload, used before, buffered every part (16 MiB × 4 per blob) and
 * copied it, which cost memory and CPU.
 *
 * Integrity: a single PUT streams the store's verified read, so a blob whose bytes do not match its
 * digest fails the request before S3 stores it. A multipart upload sends file ranges in parallel
 * and completes only after a verified read of the whole blob succeeded; otherwise it is aborted.
 */
export async function uploadBlob(options: UploadBlobOptions): Promise<void> {
  const { blob, signal } = options;
  let uploaded = 0;
  const progress = (n: number) => options.onBytes?.((uploaded += n));
  if (blob.size <= options.partSize) {
    await retryStreamed(() => sendCounted(signal, progress, (attempt) => putObject(options, attempt)), signal, options.retry);
    return;
  }
  // Siblings stop as soon as one part, or the verification, fails.
  const local = new AbortController();
  const onAbort = () => local.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await multipartUpload({ ...options, signal: local.signal }, progress, local);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** One try of a streamed request: its own abort signal, and a way to count the bytes it sends. */
interface Try {
  signal: AbortSignal;
  count(n: number): void;
  /** Ends the try's request: a body that failed to read must not leave the request waiting for bytes. */
  fail(error: unknown): void;
}

/** Runs one try of a streamed request; bytes it reported are taken back if it fails (a retry resends them). */
async function sendCounted<T>(signal: AbortSignal, progress: (n: number) => void, send: (attempt: Try) => Promise<T>): Promise<T> {
  let sent = 0;
  const local = new AbortController();
  try {
    return await send({
      signal: AbortSignal.any([signal, local.signal]),
      count: (n) => {
        sent += n;
        progress(n);
      },
      fail: (error) => local.abort(error),
    });
  } catch (error) {
    progress(-sent);
    // A body that failed (a digest mismatch) is the real cause, not the abort it triggered.
    throw local.signal.aborted && !signal.aborted ? local.signal.reason : error;
  }
}

/** The blob's bytes from the store, from `start` to `end` inclusive, counted as they are sent. */
async function counted(options: UploadBlobOptions, attempt: Try, range: { start?: number; end?: number } = {}): Promise<Readable> {
  const body = (await options.store.read(options.blob.digest, { ...range, signal: attempt.signal })) as Readable;
  // The callback form, so a failed read never surfaces as an unhandled 'error' event; it aborts
  // the request instead, which would otherwise wait for the bytes that never come.
  return pipeline(body, countBytes(attempt.count), (error) => error && attempt.fail(error));
}

async function putObject(options: UploadBlobOptions, attempt: Try): Promise<void> {
  const { client, sdk, bucket, key, blob } = options;
  await client.send(
    new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: await counted(options, attempt), ContentLength: blob.size, ContentType: "application/octet-stream" }),
    { abortSignal: attempt.signal },
  );
}

async function multipartUpload(options: UploadBlobOptions, progress: (n: number) => void, local: AbortController): Promise<void> {
  const { client, sdk, bucket, key, blob, signal, partSize } = options;
  const created = await retryStreamed(
    () => client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: "application/octet-stream" }), { abortSignal: signal }),
    signal,
    options.retry,
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`S3 answered CreateMultipartUpload for ${key} without an UploadId`);
  const parts: Array<{ PartNumber: number; ETag: string }> = [];
  try {
    const count = Math.ceil(blob.size / partSize);
    const next = { part: 1 };
    const uploadParts = async () => {
      for (let n = next.part++; n <= count; n = next.part++) {
        const start = (n - 1) * partSize;
        const end = Math.min(blob.size, start + partSize) - 1;
        const etag = await retryStreamed(
          () =>
            sendCounted(signal, progress, async (attempt) => {
              const answer = await client.send(
                new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: await counted(options, attempt, { start, end }), ContentLength: end - start + 1 }),
                { abortSignal: attempt.signal },
              );
              if (!answer.ETag) throw new Error(`S3 answered part ${n} of ${key} without an ETag`);
              return answer.ETag;
            }),
          signal,
          options.retry,
        );
        parts.push({ PartNumber: n, ETag: etag });
      }
    };
    // The whole blob is read once more, verified against its digest, while the parts go up; the
    // second read comes from the page cache and, its bytes going nowhere but the hash, through one
    // reused buffer (a stream's fresh buffer per chunk is what starts V8's full collections).
    const verified = options.store.verify(blob.digest, { signal });
    await Promise.all([verified, ...Array.from({ length: Math.min(options.partConcurrency, count) }, uploadParts)].map((p) => p.catch((error: unknown) => {
      local.abort(error);
      throw error;
    })));
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await retryStreamed(
      () => client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), { abortSignal: signal }),
      signal,
      options.retry,
    );
  } catch (error) {
    // Best effort, and not under the (maybe aborted) signal, but bounded: parts left behind cost
    // storage until a lifecycle rule removes them; a hung cleanup must not hold up the abort.
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), { abortSignal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    throw error;
  }
}
