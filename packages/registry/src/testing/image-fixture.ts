import { execFileSync } from "node:child_process";
import { randomBytes, createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, OCI_LAYER_TAR_GZIP, digestOf, type Descriptor, type Digest } from "@exp/oci-spec";
import { fileBlobSource, type BlobSource } from "../blobs/blob-source.js";

export interface FixtureImage {
  layers: Array<{ descriptor: Descriptor; source: BlobSource; path: string }>;
  config: { descriptor: Descriptor; bytes: Buffer };
  manifest: { descriptor: Descriptor; bytes: Buffer };
}

async function digestFile(path: string): Promise<Digest> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}` as Digest;
}

/** A real image on disk: gzip'd tar layers of random files, an OCI config and manifest. */
export async function makeImage(dir: string, layerSizes: readonly number[], architecture = "amd64"): Promise<FixtureImage> {
  await mkdir(dir, { recursive: true });
  const layers: FixtureImage["layers"] = [];
  const diffIDs: Digest[] = [];
  for (const [i, size] of layerSizes.entries()) {
    const content = join(dir, `content-${architecture}-${i}`);
    await mkdir(content, { recursive: true });
    await writeFile(join(content, `file-${i}.bin`), randomBytes(size));
    const tar = join(dir, `layer-${architecture}-${i}.tar`);
    execFileSync("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-C", content, "-cf", tar, "."]);
    diffIDs.push(await digestFile(tar));
    const gz = `${tar}.gz`;
    await pipeline(createReadStream(tar), createGzip(), createWriteStream(gz));
    const digest = await digestFile(gz);
    const { size: gzSize } = await stat(gz);
    layers.push({ descriptor: { mediaType: OCI_LAYER_TAR_GZIP, digest, size: gzSize }, source: fileBlobSource(gz, digest, gzSize), path: gz });
  }
  const configBytes = Buffer.from(JSON.stringify({ architecture, os: "linux", rootfs: { type: "layers", diff_ids: diffIDs }, config: {} }));
  const config = { descriptor: { mediaType: OCI_IMAGE_CONFIG, digest: digestOf(configBytes), size: configBytes.length }, bytes: configBytes };
  const manifestBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: config.descriptor, layers: layers.map((l) => l.descriptor) }),
  );
  return { layers, config, manifest: { descriptor: { mediaType: OCI_IMAGE_MANIFEST, digest: digestOf(manifestBytes), size: manifestBytes.length }, bytes: manifestBytes } };
}

export function makeIndex(images: ReadonlyArray<{ image: FixtureImage; architecture: string }>): { descriptor: Descriptor; bytes: Buffer } {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      manifests: images.map(({ image, architecture }) => ({ ...image.manifest.descriptor, platform: { architecture, os: "linux" } })),
    }),
  );
  return { descriptor: { mediaType: OCI_IMAGE_INDEX, digest: digestOf(bytes), size: bytes.length }, bytes };
}

export async function readJSON(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, "utf8"));
}
