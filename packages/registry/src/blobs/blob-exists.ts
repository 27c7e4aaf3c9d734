import type { Digest } from "@exp/oci-spec";
import { repositoryPath, repositoryScope, type Action, type RepositoryRef } from "../repository.js";
import type { Transport } from "../transport/transport.js";

/**
 * HEAD a blob: true when the repository has it. A push asks with the push scope too, so the HEAD
 * and the upload share one token.
 */
export async function blobExists(
  transport: Transport,
  repo: RepositoryRef,
  digest: Digest,
  options: { signal?: AbortSignal; actions?: readonly Action[] } = {},
): Promise<boolean> {
  const response = await transport.request({
    registry: repo.registry,
    scopes: [repositoryScope(repo, options.actions ?? ["pull"])],
    method: "HEAD",
    target: `${repositoryPath(repo)}/blobs/${digest}`,
    expect: [200, 404],
    action: `checking blob ${digest} in ${repo.registry}/${repo.repository}`,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await response.body.dump();
  return response.status === 200;
}
