import type { ContentStore } from "@exp/content";
import type { BlobSource, Descriptor, ImageReference, PushBlobResult, RegistryApi } from "@exp/oci-spec";
import type { Progress } from "@exp/solver";
import type { CommittedImage, CommittedLayer } from "@exp/image-writer";
import { pushReferrersTags } from "./referrers-tag.js";

export interface PushImageOptions {
  signal: AbortSignal;
  progress: Progress;
  /** Push manifests by digest only, no tag (`push-by-digest=true`). */
  byDigest: boolean;
  /** Lease that keeps a base layer downloaded for this push alive. */
  lease: string;
  /** `referrers=true`: keep the referrers tag of each attested image where the registry has no referrers API. */
  referrers?: boolean;
}

/**
 * Pushes a committed image to one name: every blob at once (the client's per-host limiter bounds
 * them; a base layer already in the same registry is mounted, not sent), then the manifests,
 * children before the index, then the tag.
 */
export async function pushImage(client: RegistryApi, target: ImageReference, image: CommittedImage, store: ContentStore, given: PushImageOptions): Promise<void> {
  // A name without a tag (the dangling name, <prefix>@<digest>) is pushed by digest, as BuildKit's
  // util/push/push.go does: TagNameOnly adds no tag to a reference with a digest.
  const options = target.tag === undefined && target.digest !== undefined ? { ...given, byDigest: true } : given;
  const blobs = new Map<string, () => Promise<PushBlobResult>>();
  for (const platform of image.platforms) {
    blobs.set(platform.config.digest, () => client.pushBlob(target, storeSource(store, platform.config), { signal: options.signal }));
    for (const layer of platform.layers) blobs.set(layer.descriptor.digest, () => pushLayer(client, target, layer, store, options));
  }
  for (const attested of image.attestations) {
    for (const blob of [attested.config, ...attested.layers]) blobs.set(blob.digest, () => client.pushBlob(target, storeSource(store, blob), { signal: options.signal }));
  }
  const layersDone = options.progress.oneOff(`push-${target.toString()}-layers`, "pushing layers");
  await Promise.all([...blobs].map(([, push]) => push())).then(() => layersDone(), (error: unknown) => {
    layersDone(error);
    throw error;
  });
  const read = async (d: Descriptor) => store.readAll(d.digest, { signal: options.signal });
  const byDigest = (digest: Descriptor["digest"]) => ({ registry: target.registry, repository: target.repository, digest });
  // BuildKit's "pushing manifest for <name>@<digest>" (util/push/push.go), the digest being what the name now points at.
  const pushedName = `${target.registry}/${target.repository}${options.byDigest ? "" : `:${target.tag ?? "latest"}`}@${image.root.digest}`;
  const manifestDone = options.progress.oneOff(`push-${target.toString()}-manifest`, `pushing manifest for ${pushedName}`);
  if (image.platforms.length > 1 || image.root.digest !== image.platforms[0]!.manifest.digest) {
    // An attestation manifest's subject (oci-artifact) must exist first on registries that check it.
    for (const manifest of [...image.platforms.map((p) => p.manifest), ...image.attestations.map((a) => a.manifest)]) {
      await client.putManifest(byDigest(manifest.digest), await read(manifest), manifest.mediaType, { signal: options.signal });
    }
  }
  if (options.referrers) await pushReferrersTags(client, target, image, store, options);
  const rootRef = options.byDigest ? byDigest(image.root.digest) : target;
  await client.putManifest(rootRef, await read(image.root), image.root.mediaType, { signal: options.signal });
  manifestDone();
}

function storeSource(store: ContentStore, descriptor: Descriptor): BlobSource {
  return {
    digest: descriptor.digest,
    size: descriptor.size,
    open: ({ signal }) => store.read(descriptor.digest, signal ? { signal } : {}),
    openFrom: (start, { signal }) => store.read(descriptor.digest, { start, ...(signal ? { signal } : {}) }),
  };
}

/** A local blob is uploaded from the store; a base layer known only remotely is mounted from its repository, or fetched first. */
async function pushLayer(client: RegistryApi, target: ImageReference, committed: CommittedLayer, store: ContentStore, options: PushImageOptions): Promise<PushBlobResult> {
  const { layer, blob } = committed;
  const progress = (bytes: number, total: number) => options.progress.bytes(blob.descriptor.digest, "uploading", bytes, total);
  const sameRegistry = layer.origin !== undefined && layer.origin.registry === target.registry;
  const source: BlobSource = {
    digest: blob.descriptor.digest,
    size: blob.descriptor.size,
    async open({ signal }) {
      if (blob.local) return store.read(blob.descriptor.digest, signal ? { signal } : {});
      // A base layer known only remotely, which the target does not have and (from another
      // registry) cannot mount: streamed from its source as it is stored, when the layer can.
      const fetchOptions = { lease: options.lease, ...(signal ? { signal } : {}) };
      if (layer.openBlob) return layer.openBlob(fetchOptions);
      await layer.fetchBlob?.(fetchOptions);
      return store.read(blob.descriptor.digest, signal ? { signal } : {});
    },
    // A resumed upload reads the rest from the store; a remote layer is stored whole first (its
    // first open may still be storing it, or may have failed to).
    async openFrom(start, { signal }) {
      if (!blob.local) await layer.fetchBlob?.({ lease: options.lease, ...(signal ? { signal } : {}) });
      return store.read(blob.descriptor.digest, { start, ...(signal ? { signal } : {}) });
    },
  };
  return client.pushBlob(target, source, { signal: options.signal, onProgress: progress, ...(sameRegistry ? { mountFrom: [layer.origin!.repository] } : {}) });
}
