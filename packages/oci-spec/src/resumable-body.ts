import { Readable, pipeline } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError } from "@exp/errors";
import type { Digest } from "./digest.js";
import { createDigestVerifier } from "./verify-stream.js";

// One implementation of "download a blob, resume it where it broke, verify it", for every client
// that fetches blobs over a transport whose own retries end with the response headers (undici in
// @exp/registry, the AWS SDK in @exp/cache-s3). It lives here, beside createDigestVerifier, because
// both already depend on this package and it needs nothing of either transport: the caller passes
// a function that makes the request and decides which errors are worth another try.

/** A response to a blob request, reduced to what resuming its body needs. */
export interface ResumableResponse {
  /** 200 (the whole blob) or 206 (the range asked for). */
  status: number;
  body: AsyncIterable<Uint8Array>;
}

/**
 * Makes the request for the blob from byte `offset` on: 0 is the whole blob; anything else a
 * Range request `bytes=<offset>-`, which a server may answer with 200 and the whole blob.
 */
export type ResumableRequest = (offset: number, signal: AbortSignal | undefined) => Promise<ResumableResponse>;

/** When a body that broke is requested again. */
export interface ResumeRetry {
  /** Requests for one blob in all, the first included. */
  attempts: number;
  /** The pause before retry number `retry` (1-based), in ms. */
  delayMs(retry: number): number;
  /** Whether a break is worth another request (a reset, a timeout), as opposed to one no retry fixes. */
  isRetryable(error: unknown): boolean;
}

export interface ResumableBodyOptions {
  descriptor: { digest: Digest; size: number };
  /** Names the blob in errors, e.g. "blob sha256:… from r.example/app". */
  what: string;
  request: ResumableRequest;
  retry: ResumeRetry;
  signal?: AbortSignal;
  /** Called with the running count of verified bytes, for progress. */
  onBytes?: (bytes: number) => void;
}

/**
 * Streams a blob, verified: the stream ends in DigestMismatchError, before its last byte reaches
 * the consumer, if the bytes do not hash to the descriptor's digest or add up to its size. A body
 * that breaks part way (a reset, a body timeout) is resumed with a Range request for the rest,
 * within `retry`, as containerd does. The first request's failure rejects this call; later ones
 * end the stream with their error.
 */
export async function resumableVerifiedBody(options: ResumableBodyOptions): Promise<Readable> {
  const { descriptor, request, signal } = options;
  const first = await request(0, signal);
  const verify = createDigestVerifier(descriptor.digest, options.what, { size: descriptor.size, ...(options.onBytes ? { onBytes: options.onBytes } : {}) });
  // The verifier is what the caller reads: pipeline's callback has nothing to add, the error reaches it.
  pipeline(Readable.from(resumingBody(first, request, descriptor.size, options.retry, signal, options.what), { objectMode: false }), verify, () => undefined);
  return verify;
}

/**
 * The bytes of `first`'s body, then, after each retryable break, of a request for the rest. A 200
 * to a Range request is the whole blob again: what was already passed on is skipped.
 */
export async function* resumingBody(
  first: ResumableResponse,
  request: ResumableRequest,
  size: number,
  retry: ResumeRetry,
  signal?: AbortSignal,
  what = "blob download",
): AsyncGenerator<Buffer> {
  let response = first;
  let offset = 0;
  for (let tried = 1; ; tried++) {
    let skip = response.status === 200 ? offset : 0;
    try {
      for await (const data of response.body) {
        const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        if (skip >= chunk.length) {
          skip -= chunk.length;
          continue;
        }
        const part = skip > 0 ? chunk.subarray(skip) : chunk;
        skip = 0;
        offset += part.length;
        yield part;
      }
      return;
    } catch (error) {
      // Everything arrived (the verifier judges it), or not worth another try: fail as it failed.
      if (signal?.aborted || offset >= size || !retry.isRetryable(error) || tried >= retry.attempts) throw error;
      try {
        await sleep(retry.delayMs(tried), undefined, signal ? { signal } : {});
      } catch {
        throw new AbortedError(`resuming ${what}`, signal?.reason);
      }
      response = await request(offset, signal);
    }
  }
}
