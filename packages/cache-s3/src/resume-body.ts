import { setTimeout as sleep } from "node:timers/promises";
import { defaultStreamRetry, isRetryable, type StreamRetry } from "./upload/retry.js";

/** A GetObject answer, reduced to what resuming needs. */
export interface BodyResponse {
  /** 200 (the whole object) or 206 (the Range asked for). */
  status: number;
  body: AsyncIterable<Uint8Array>;
}

/**
 * The bytes of `first`'s body, and after each break the SDK would have retried had it come before
 * the headers (a reset, a timeout), of `reopen(offset)`: a Range request for the rest. The SDK's
 * retries end once the headers arrive, so without this a reset mid-body fails the whole read. A 200
 * to a Range request is the whole object again: what was already passed on is skipped.
 */
export async function* resumingBody(first: BodyResponse, reopen: (offset: number) => Promise<BodyResponse>, size: number, signal?: AbortSignal, policy: StreamRetry = defaultStreamRetry): AsyncGenerator<Buffer> {
  let response = first;
  let offset = 0;
  for (let retry = 1; ; retry++) {
    let skip = response.status === 200 ? offset : 0;
    try {
      for await (const chunk of response.body) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        if (skip >= bytes.length) {
          skip -= bytes.length;
          continue;
        }
        const part = skip > 0 ? bytes.subarray(skip) : bytes;
        skip = 0;
        offset += part.length;
        yield part;
      }
      return;
    } catch (error) {
      // Everything arrived (the digest check judges it), or not worth another try: fail as before.
      if (signal?.aborted || offset >= size || !isRetryable(error) || retry >= policy.attempts) throw error;
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
      await sleep(delay / 2 + (Math.random() * delay) / 2, undefined, signal ? { signal } : {});
      response = await reopen(offset);
    }
  }
}
