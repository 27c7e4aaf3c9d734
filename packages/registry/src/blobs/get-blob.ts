import type { Readable } from "node:stream";
import { resumableVerifiedBody, type Descriptor, type GetBlobOptions, type ResumeRetry } from "@exp/oci-spec";
import { repositoryPath, repositoryScope, type RepositoryRef } from "../repository.js";
import { backoffDelay, isRetryableNetworkError, type RetryPolicy } from "../transport/retry.js";
import type { Transport } from "../transport/transport.js";

export type { GetBlobOptions };

/**
 * Streams a blob. Redirects (to object storage) are followed without the registry's credentials.
 * The stream is checked while it flows: it ends in DigestMismatchError, before its last byte
 * reaches the consumer, if the bytes do not hash to the descriptor's digest or size. A body that
 * breaks part way (a reset, a body timeout) is resumed with a Range request, within the
 * transport's retry policy, as containerd does: the transport's own retries end with the headers.
 * The resuming and verifying is @exp/oci-spec's resumableVerifiedBody, shared with @exp/cache-s3.
 */
export async function getBlob(transport: Transport, repo: RepositoryRef, descriptor: Pick<Descriptor, "digest" | "size">, options: GetBlobOptions = {}): Promise<Readable> {
  return resumableVerifiedBody({
    descriptor,
    what: `blob ${descriptor.digest} from ${repo.registry}/${repo.repository}`,
    retry: resumeRetry(transport.retry),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onBytes: (n: number) => options.onProgress!(n, descriptor.size) } : {}),
    request: (offset, signal) =>
      transport.request({
        registry: repo.registry,
        scopes: [repositoryScope(repo, ["pull"])],
        method: "GET",
        target: `${repositoryPath(repo)}/blobs/${descriptor.digest}`,
        ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
        // A registry (or the storage it redirects to) that ignores Range answers 200 with everything.
        expect: offset > 0 ? [206, 200] : [200],
        action: `fetching blob ${descriptor.digest} from ${repo.registry}/${repo.repository}${offset > 0 ? ` from byte ${offset}` : ""}`,
        ...(signal ? { signal } : {}),
      }),
  });
}

/** The transport's retry policy, as the shared resumable body takes it: its tries, its backoff, its idea of a break worth retrying. */
export function resumeRetry(policy: RetryPolicy): ResumeRetry {
  return { attempts: policy.attempts, delayMs: (retry) => backoffDelay(policy, retry), isRetryable: isRetryableNetworkError };
}
