import type { Descriptor, Digest, RepositoryRef } from "@exp/oci-spec";
import { repositoryPath, repositoryScope } from "../repository.js";
import type { Transport } from "../transport/transport.js";
import { maxManifestBytes } from "./manifest-accept.js";
import { readLimited } from "./manifests.js";

/**
 * The referrers of a manifest through the OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>`,
 * distribution-spec "Listing Referrers"), or undefined when the registry has no such API (404):
 * a client must then keep the referrers tag schema's index (`sha256-<hex>`) itself.
 */
export async function getReferrers(transport: Transport, repo: RepositoryRef, digest: Digest, options: { signal?: AbortSignal } = {}): Promise<Descriptor[] | undefined> {
  const response = await transport.request({
    registry: repo.registry,
    scopes: [repositoryScope(repo, ["pull"])],
    method: "GET",
    target: `${repositoryPath(repo)}/referrers/${digest}`,
    headers: { accept: "application/vnd.oci.image.index.v1+json" },
    expect: [200, 404],
    action: `listing the referrers of ${repo.registry}/${repo.repository}@${digest}`,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 404) {
    await response.body.dump();
    return undefined;
  }
  const index = JSON.parse((await readLimited(response, maxManifestBytes, "referrers index")).toString("utf8")) as { manifests?: Descriptor[] };
  return index.manifests ?? [];
}
