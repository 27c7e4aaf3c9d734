import { isIndexMediaType, type BlobSource, type Descriptor, type ImageReference, type RegistryApi, type RepositoryRef } from "@exp/oci-spec";
import { runAll } from "./parallel.js";
import { parseJson } from "./read-blob.js";

/** How the blobs of a copy reached the target: counted for the summary line. */
export interface CopyStats {
  mounted: number;
  uploaded: number;
  existing: number;
  manifests: number;
}

/**
 * The clients a copy reads and writes through. They must not share connection slots: an upload
 * holds a slot of the target registry while it reads its bytes, and when the source is the same
 * registry (a mount it refused) a read waiting for a slot of the same pool would wait forever
 * once every slot is held by an upload.
 */
export interface CopyClients {
  readonly reader: RegistryApi;
  readonly writer: RegistryApi;
}

export function emptyStats(): CopyStats {
  return { mounted: 0, uploaded: 0, existing: 0, manifests: 0 };
}

/**
 * Copies one manifest (or index) and everything it references from the source's repository into
 * `target`, children first, the manifest itself last and by digest (buildx's CopyWithIngester,
 * containerd's CopyChain). A manifest the target already holds is skipped whole: a registry only
 * accepts a manifest whose blobs it holds. Each blob goes through the client's pushBlob: within
 * one registry the source repository is recorded as holding it, so the push is a cross-repository
 * mount (`POST …/blobs/uploads/?mount=<digest>&from=<source>`, no bytes sent) with an upload from
 * the source only if the registry refuses the mount; across registries the blob is streamed from
 * the source (verified against its digest and size while it flows) into the target, which checks
 * the digest again on the final PUT. Non-distributable (foreign) layers are not copied, as
 * containerd does not push them.
 */
export async function copyManifest(clients: CopyClients, from: ImageReference, desc: Pick<Descriptor, "digest" | "mediaType" | "size">, target: RepositoryRef, stats: CopyStats, signal: AbortSignal): Promise<void> {
  const { reader, writer } = clients;
  const at = { registry: target.registry, repository: target.repository, digest: desc.digest };
  if (await writer.headManifest(at, { signal })) return;
  const source = { registry: from.registry, repository: from.repository };
  const fetched = await reader.getManifest({ ...source, digest: desc.digest }, { signal });
  const mediaType = fetched.descriptor.mediaType || desc.mediaType;
  const document = parseJson(fetched.bytes, `manifest ${from.name}@${desc.digest}`) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (isIndexMediaType(mediaType)) {
    await runAll((document.manifests ?? []).map((child) => (inner) => copyManifest(clients, from, child, target, stats, inner)), signal);
  } else {
    const blobs = [...(document.config ? [document.config] : []), ...(document.layers ?? [])].filter((b) => !isNonDistributable(b.mediaType));
    await runAll(blobs.map((blob) => (inner) => copyBlob(clients, source, blob, target, stats, inner)), signal);
  }
  await writer.putManifest(at, fetched.bytes, mediaType, { signal });
  stats.manifests++;
}

async function copyBlob({ reader, writer }: CopyClients, source: RepositoryRef, blob: Descriptor, target: RepositoryRef, stats: CopyStats, signal: AbortSignal): Promise<void> {
  // Within one registry this makes the push a mount from the source repository.
  if (source.registry === target.registry) writer.rememberBlob(source, blob.digest);
  const from: BlobSource = {
    digest: blob.digest,
    size: blob.size,
    open: (options) => reader.getBlob(source, blob, options.signal ? { signal: options.signal } : { signal }),
  };
  const result = await writer.pushBlob(target, from, { signal });
  if (result.status === "mounted") stats.mounted++;
  else if (result.status === "uploaded") stats.uploaded++;
  else stats.existing++;
}

function isNonDistributable(mediaType: string): boolean {
  return mediaType.includes(".nondistributable.") || mediaType.includes(".foreign.");
}
