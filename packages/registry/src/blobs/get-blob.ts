import { pipeline, type Readable } from "node:stream";
import { createDigestVerifier, type Descriptor } from "@exp/oci-spec";
import { repositoryPath, repositoryScope, type RepositoryRef } from "../repository.js";
import type { Transport } from "../transport/transport.js";

export interface GetBlobOptions {
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number) => void;
}

/**
 * Streams a blob. Redirects (to object storage) are followed without the registry's credentials.
 * The stream is checked while it flows: it ends in DigestMismatchError, before its last byte
 * reaches the consumer, if the bytes do not hash to the descriptor's digest or size.
 */
export async function getBlob(transport: Transport, repo: RepositoryRef, descriptor: Pick<Descriptor, "digest" | "size">, options: GetBlobOptions = {}): Promise<Readable> {
  const response = await transport.request({
    registry: repo.registry,
    scopes: [repositoryScope(repo, ["pull"])],
    method: "GET",
    target: `${repositoryPath(repo)}/blobs/${descriptor.digest}`,
    expect: [200],
    action: `fetching blob ${descriptor.digest} from ${repo.registry}/${repo.repository}`,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const what = `blob ${descriptor.digest} from ${repo.registry}/${repo.repository}`;
  const verify = createDigestVerifier(descriptor.digest, what, {
    size: descriptor.size,
    ...(options.onProgress ? { onBytes: (n: number) => options.onProgress!(n, descriptor.size) } : {}),
  });
  pipeline(response.body, verify, () => undefined);
  return verify;
}
