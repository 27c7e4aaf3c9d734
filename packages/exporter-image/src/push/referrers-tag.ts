import { OCI_IMAGE_INDEX, type Descriptor, type ImageReference, type RegistryApi } from "@exp/oci-spec";
import type { ContentStore } from "@exp/content";
import type { CommittedImage } from "@exp/image-writer";
import type { Progress } from "@exp/solver";

/**
 * `referrers=true`: each attestation manifest (which names its image in `subject`) is also found
 * through the image's referrers. A registry with the OCI 1.1 referrers API indexes a manifest's
 * `subject` itself; for one without (Debian's docker-registry 2.8, among many), the client keeps
 * the referrers tag schema's index under `sha256-<hex of the image manifest>` (distribution-spec
 * 1.1, "Referrers Tag Schema"): the existing index read, this push's referrers added, written back.
 */
export async function pushReferrersTags(client: RegistryApi, target: ImageReference, image: CommittedImage, store: ContentStore, options: { signal: AbortSignal; progress: Progress }): Promise<void> {
  const repo = { registry: target.registry, repository: target.repository };
  for (const attested of image.attestations) {
    const subject = attested.subject.digest;
    if ((await client.getReferrers?.(repo, subject, { signal: options.signal })) !== undefined) continue;
    const tag = subject.replace(":", "-");
    const done = options.progress.oneOff(`referrers-${target.toString()}-${tag}`, `pushing referrers tag ${target.registry}/${target.repository}:${tag}`);
    const ref = { ...repo, tag };
    const existing = (await client.headManifest(ref, { signal: options.signal })) ? JSON.parse((await client.getManifest(ref, { signal: options.signal })).bytes.toString("utf8")) as { manifests?: Descriptor[] } : undefined;
    const manifest = JSON.parse((await store.readAll(attested.manifest.digest, { signal: options.signal })).toString("utf8")) as { artifactType?: string; config: Descriptor; annotations?: Record<string, string> };
    const referrer: Descriptor = {
      mediaType: attested.manifest.mediaType,
      digest: attested.manifest.digest,
      size: attested.manifest.size,
      // The spec: the manifest's artifactType, else its config's media type; and its own annotations.
      artifactType: manifest.artifactType ?? manifest.config.mediaType,
      ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
    };
    const manifests = [...(existing?.manifests ?? []).filter((m) => m.digest !== referrer.digest), referrer];
    await client.putManifest(ref, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests })), OCI_IMAGE_INDEX, { signal: options.signal });
    done();
  }
}
