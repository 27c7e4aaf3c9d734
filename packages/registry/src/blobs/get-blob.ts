import { Readable, pipeline } from "node:stream";
import { createDigestVerifier, type Descriptor, type GetBlobOptions } from "@exp/oci-spec";
import { repositoryPath, repositoryScope, type RepositoryRef } from "../repository.js";
import { backoffDelay, isRetryableNetworkError, wait, type RetryPolicy } from "../transport/retry.js";
import type { Transport } from "../transport/transport.js";

export type { GetBlobOptions };

/**
 * Streams a blob. Redirects (to object storage) are followed without the registry's credentials.
 * The stream is checked while it flows: it ends in DigestMismatchError, before its last byte
 * reaches the consumer, if the bytes do not hash to the descriptor's digest or size. A body that
 * breaks part way (a reset, a body timeout) is resumed with a Range request, within the
 * transport's retry policy, as containerd does: the transport's own retries end with the headers.
 */
export async function getBlob(transport: Transport, repo: RepositoryRef, descriptor: Pick<Descriptor, "digest" | "size">, options: GetBlobOptions = {}): Promise<Readable> {
  const request = (offset: number) =>
    transport.request({
      registry: repo.registry,
      scopes: [repositoryScope(repo, ["pull"])],
      method: "GET",
      target: `${repositoryPath(repo)}/blobs/${descriptor.digest}`,
      ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
      // A registry (or the storage it redirects to) that ignores Range answers 200 with everything.
      expect: offset > 0 ? [206, 200] : [200],
      action: `fetching blob ${descriptor.digest} from ${repo.registry}/${repo.repository}${offset > 0 ? ` from byte ${offset}` : ""}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const first = await request(0);
  const what = `blob ${descriptor.digest} from ${repo.registry}/${repo.repository}`;
  const verify = createDigestVerifier(descriptor.digest, what, {
    size: descriptor.size,
    ...(options.onProgress ? { onBytes: (n: number) => options.onProgress!(n, descriptor.size) } : {}),
  });
  pipeline(Readable.from(resumingBody(first, request, descriptor.size, transport.retry, options.signal), { objectMode: false }), verify, () => undefined);
  return verify;
}

/** A response, reduced to what resuming its body needs. */
export interface BodyResponse {
  status: number;
  body: AsyncIterable<Uint8Array>;
}

/** The bytes of `first`'s body, then, after each retryable break, of a request for the rest. */
export async function* resumingBody(
  first: BodyResponse,
  request: (offset: number) => Promise<BodyResponse>,
  size: number,
  policy: RetryPolicy,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  let response = first;
  let offset = 0;
  for (let retry = 1; ; retry++) {
    // A 200 to a Range request is the whole blob again: skip what was already passed on.
    let skip = response.status === 200 ? offset : 0;
    try {
      for await (const data of response.body) {
        const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data);
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
      // Everything arrived (the verifier judges it), or not worth another try: fail as before.
      if (signal?.aborted || offset >= size || !isRetryableNetworkError(error) || retry >= policy.attempts) throw error;
      await wait(backoffDelay(policy, retry), signal);
      response = await request(offset);
    }
  }
}
