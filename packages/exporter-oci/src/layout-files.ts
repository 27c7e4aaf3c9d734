import { IMAGE_LAYOUT_VERSION, OCI_IMAGE_INDEX, type Descriptor, type ImageReference } from "@exp/oci-spec";
import type { CommittedImage } from "@exp/image-writer";

/** Every blob of a committed image, each once, in a stable order: layers, configs, manifests, attestations, index. */
export function imageBlobs(image: CommittedImage): Descriptor[] {
  const seen = new Map<string, Descriptor>();
  for (const platform of image.platforms) {
    for (const layer of platform.layers) seen.set(layer.descriptor.digest, layer.descriptor);
    seen.set(platform.config.digest, platform.config);
    seen.set(platform.manifest.digest, platform.manifest);
  }
  for (const attested of image.attestations) {
    for (const layer of attested.layers) seen.set(layer.digest, layer);
    seen.set(attested.config.digest, attested.config);
    seen.set(attested.manifest.digest, attested.manifest);
  }
  seen.set(image.root.digest, image.root);
  return [...seen.values()];
}

export function blobPath(descriptor: Descriptor): string {
  const [algorithm, hex] = descriptor.digest.split(":") as [string, string];
  return `blobs/${algorithm}/${hex}`;
}

export const ociLayoutFile = `${JSON.stringify({ imageLayoutVersion: IMAGE_LAYOUT_VERSION })}`;

/**
 * index.json entries as containerd's archive exporter writes them: one per name, with the full
 * name (`io.containerd.image.name`) and the tag (`org.opencontainers.image.ref.name`), or one
 * without names; each gets `org.opencontainers.image.created` unless it has one already.
 */
export function indexEntries(root: Descriptor, names: readonly ImageReference[], created: string): Descriptor[] {
  const base = { ...root, annotations: { "org.opencontainers.image.created": created, ...root.annotations } };
  if (names.length === 0) return [base];
  return names.map((name) => ({
    ...base,
    annotations: {
      ...base.annotations,
      "io.containerd.image.name": name.toString(),
      ...(name.tag ? { "org.opencontainers.image.ref.name": name.tag } : {}),
    },
  }));
}

export function indexJson(entries: readonly Descriptor[]): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: entries });
}

/** docker-save's manifest.json: config and layer paths, and familiar RepoTags (`app:1`). */
export function dockerManifestJson(image: CommittedImage, names: readonly ImageReference[]): string {
  const platform = image.platforms[0]!;
  return JSON.stringify([
    {
      Config: blobPath(platform.config),
      RepoTags: names.filter((n) => n.tag).map((n) => n.familiar()),
      Layers: platform.layers.map((l) => blobPath(l.descriptor)),
    },
  ]);
}
