import { createHash } from "node:crypto";

/** An OCI / Docker descriptor, as far as the probes read it. */
export interface ProbeDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** What a probe read back from an image (or a cache image): every manifest, and each config's bytes. */
export interface ReadImage {
  /** The root first, then its children (for an index). Parsed JSON. */
  manifests: Array<Record<string, unknown>>;
  configs: Array<{ descriptor: ProbeDescriptor; bytes: Buffer }>;
}

const indexTypes = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);
const manifestTypes = new Set(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"]);

export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && indexTypes.has(mediaType);
}

export function isManifestType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && manifestTypes.has(mediaType);
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Throws unless `bytes` are exactly what `descriptor` names. */
export function checkBytes(what: string, descriptor: { digest: string; size?: number }, bytes: Buffer): void {
  const digest = sha256(bytes);
  if (digest !== descriptor.digest) throw new Error(`${what}: read ${digest}, expected ${descriptor.digest}`);
  if (descriptor.size !== undefined && bytes.length !== descriptor.size) throw new Error(`${what}: read ${bytes.length} bytes, the descriptor says ${descriptor.size}`);
}

/**
 * Walks an image from its root descriptor: every manifest (an index's children too) and every
 * blob they name is read through `read` and checked against its descriptor. The media type of a
 * child comes from its descriptor; a document's own `mediaType` field, when present, must agree.
 */
export async function readImage(root: ProbeDescriptor, read: (descriptor: ProbeDescriptor, kind: "manifest" | "blob") => Promise<Buffer>): Promise<ReadImage> {
  const result: ReadImage = { manifests: [], configs: [] };
  const visit = async (descriptor: ProbeDescriptor): Promise<void> => {
    const bytes = await read(descriptor, "manifest");
    checkBytes(`manifest ${descriptor.digest}`, descriptor, bytes);
    const document = JSON.parse(bytes.toString("utf8")) as { mediaType?: string; manifests?: ProbeDescriptor[]; config?: ProbeDescriptor; layers?: ProbeDescriptor[] };
    if (document.mediaType !== undefined && document.mediaType !== descriptor.mediaType) {
      throw new Error(`manifest ${descriptor.digest} says mediaType ${document.mediaType}, its descriptor ${descriptor.mediaType}`);
    }
    result.manifests.push(document as Record<string, unknown>);
    if (isIndexType(descriptor.mediaType)) {
      for (const child of document.manifests ?? []) {
        if (isIndexType(child.mediaType) || isManifestType(child.mediaType)) await visit(child);
        else checkBytes(`blob ${child.digest}`, child, await read(child, "blob"));
      }
      return;
    }
    if (!document.config) throw new Error(`manifest ${descriptor.digest} has no config`);
    const config = await read(document.config, "blob");
    checkBytes(`config ${document.config.digest}`, document.config, config);
    result.configs.push({ descriptor: document.config, bytes: config });
    for (const layer of document.layers ?? []) checkBytes(`layer ${layer.digest}`, layer, await read(layer, "blob"));
  };
  await visit(root);
  return result;
}
