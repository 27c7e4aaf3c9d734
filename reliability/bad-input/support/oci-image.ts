import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { tar, type TarEntry } from "./tar.js";

// Hand-made OCI images for FROM oci-archive:// and oci-layout:// cases: every document is built
// here so that a case can make any one of them lie (a digest, a size, a diff_id, the JSON itself).

export interface BlobDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciImage {
  /** Every blob by digest: layers, config, manifest. */
  blobs: Map<string, Buffer>;
  /** The manifest, as index.json names it. */
  manifest: BlobDescriptor;
  /** index.json's bytes. */
  index: Buffer;
}

export interface OciImageOptions {
  /** Tag written as org.opencontainers.image.ref.name (default "1"). */
  tag?: string;
  /** Edits the config object before it is serialised (e.g. wrong diff_ids). */
  config?: (config: Record<string, unknown>) => void;
  /** Edits the manifest object before it is serialised (e.g. a wrong layer size). */
  manifest?: (manifest: Record<string, unknown>) => void;
  /** Replaces a layer's stored bytes after its descriptor was computed (a blob that lies about itself). */
  corruptLayer?: (bytes: Buffer) => Buffer;
  /** How a layer tar becomes its blob (default gzip; the media type still says gzip). */
  compress?: (raw: Buffer) => Buffer;
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A linux/amd64 image whose layers are these tar entry lists (base first), gzip-compressed. */
export function ociImage(layers: ReadonlyArray<readonly TarEntry[]>, options: OciImageOptions = {}): OciImage {
  const blobs = new Map<string, Buffer>();
  const layerDescriptors: BlobDescriptor[] = [];
  const diffIDs: string[] = [];
  for (const entries of layers) {
    const raw = tar(entries);
    const compressed = (options.compress ?? gzipSync)(raw);
    const descriptor = { mediaType: OCI_LAYER_GZIP, digest: sha256(compressed), size: compressed.length };
    blobs.set(descriptor.digest, options.corruptLayer ? options.corruptLayer(compressed) : compressed);
    layerDescriptors.push(descriptor);
    diffIDs.push(sha256(raw));
  }
  const config: Record<string, unknown> = {
    architecture: "amd64",
    os: "linux",
    config: { Env: ["PATH=/usr/bin:/bin"] },
    rootfs: { type: "layers", diff_ids: diffIDs },
    history: layers.map(() => ({ created: "2024-01-01T00:00:00Z", created_by: "corpus layer" })),
  };
  options.config?.(config);
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDescriptor = { mediaType: OCI_CONFIG, digest: sha256(configBytes), size: configBytes.length };
  blobs.set(configDescriptor.digest, configBytes);
  const manifest: Record<string, unknown> = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDescriptor, layers: layerDescriptors };
  options.manifest?.(manifest);
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDescriptor = { mediaType: OCI_MANIFEST, digest: sha256(manifestBytes), size: manifestBytes.length };
  blobs.set(manifestDescriptor.digest, manifestBytes);
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...manifestDescriptor, annotations: { "org.opencontainers.image.ref.name": options.tag ?? "1" } }] }),
  );
  return { blobs, manifest: manifestDescriptor, index };
}

/** The image as an OCI archive (what `-o type=oci` writes), with `extra` entries appended. */
export function ociArchive(image: OciImage, extra: readonly TarEntry[] = []): Buffer {
  return tar([
    { name: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: "index.json", content: image.index },
    { name: "blobs/", type: "dir" },
    { name: "blobs/sha256/", type: "dir" },
    ...[...image.blobs].map(([digest, bytes]) => ({ name: `blobs/sha256/${digest.slice("sha256:".length)}`, content: bytes })),
    ...extra,
  ]);
}

/** The image as an OCI layout directory. */
export async function writeOciLayout(dir: string, image: OciImage): Promise<void> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, "index.json"), image.index);
  for (const [digest, bytes] of image.blobs) await writeFile(join(dir, "blobs", "sha256", digest.slice("sha256:".length)), bytes);
}
