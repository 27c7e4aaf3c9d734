import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { Digester, OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, OCI_LAYER_TAR_GZIP, digestOf, type Descriptor } from "@exp/oci-spec";

/** An OCI image layout on disk holding one image, tagged `tag`, and what the scenario checks against. */
export interface Layout {
  dir: string;
  tag: string;
  /** The layers as the layout's manifest lists them: a push that reuses them has these digests. */
  layers: Descriptor[];
  manifest: Descriptor;
}

/** Bump when the layout's contents change shape, so a layout cached by an older version is rebuilt. */
export const LAYOUT_VERSION = 2;

const BLOCK = 512;

/**
 * A ustar header for one regular file `name` of `size` bytes, mode 0644, mtime 0: enough for a
 * layer that tar, umoci and exp read as a file, without a tar library in the benchmark.
 */
export function tarFileHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  const octal = (value: number, width: number, offset: number) => header.write(`${value.toString(8).padStart(width - 1, "0")}\0`, offset, "ascii");
  header.write(name, 0, 100, "utf8");
  octal(0o644, 8, 100);
  octal(0, 8, 108);
  octal(0, 8, 116);
  octal(size, 12, 124);
  octal(0, 12, 136);
  header.fill(" ", 148, 156); // the checksum is summed with its own field as spaces
  header.write("0", 156, "ascii");
  header.write("ustar\0" + "00", 257, "ascii");
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return header;
}

/**
 * Each layer is a tar of one file of random bytes (incompressible, like the already-compressed
 * contents of real layers), gzipped at level 1; the config's diff_ids are the tars' digests, so
 * the image is a valid one that umoci or exp could unpack. Reused while every blob is still there.
 */
export async function ensureLayout(dir: string, layerMiB: readonly number[], log: (line: string) => void): Promise<Layout> {
  const marker = join(dir, "layout.json");
  try {
    const cached = JSON.parse(await readFile(marker, "utf8")) as Layout;
    const blobs = [...cached.layers, cached.manifest];
    const intact = await Promise.all(blobs.map(async (d) => (await stat(blobPath(dir, d))).size === d.size));
    if (intact.every(Boolean)) return cached;
  } catch {
    // not built yet, or partly deleted: build it again
  }
  log(`building the ${layerMiB.reduce((a, b) => a + b, 0).toFixed(1)} MiB layout in ${dir} (once)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const layers: Descriptor[] = [];
  const diffIDs: string[] = [];
  for (const [i, mib] of layerMiB.entries()) {
    const temp = join(dir, `layer-${i}.tmp`);
    const uncompressed = new Digester();
    const size = Math.round(mib * 1024 * 1024);
    async function* tar() {
      const chunks = [tarFileHeader(`layer-${i}.bin`, size)];
      for (let left = size; left > 0; left -= 1 << 20) chunks.push(randomBytes(Math.min(1 << 20, left)));
      // Pad the file to a whole block, then the two zero blocks that end an archive.
      chunks.push(Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK), Buffer.alloc(2 * BLOCK));
      for (const chunk of chunks) {
        uncompressed.update(chunk);
        yield chunk;
      }
    }
    await pipeline(Readable.from(tar()), createGzip({ level: 1 }), createWriteStream(temp));
    diffIDs.push(uncompressed.digest());
    const compressed = new Digester();
    for await (const chunk of createReadStream(temp)) compressed.update(chunk as Buffer);
    const descriptor: Descriptor = { mediaType: OCI_LAYER_TAR_GZIP, digest: compressed.digest(), size: (await stat(temp)).size };
    await rename(temp, blobPath(dir, descriptor));
    layers.push(descriptor);
  }
  const configBytes = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: diffIDs }, config: {} }));
  const config: Descriptor = { mediaType: OCI_IMAGE_CONFIG, digest: digestOf(configBytes), size: configBytes.length };
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config, layers }));
  const tag = "v1";
  const manifest: Descriptor = { mediaType: OCI_IMAGE_MANIFEST, digest: digestOf(manifestBytes), size: manifestBytes.length };
  await writeFile(blobPath(dir, config), configBytes);
  await writeFile(blobPath(dir, manifest), manifestBytes);
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const entry = { ...manifest, annotations: { "org.opencontainers.image.ref.name": tag } };
  await writeFile(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [entry] }));
  const layout: Layout = { dir, tag, layers, manifest };
  await writeFile(marker, JSON.stringify(layout));
  return layout;
}

function blobPath(dir: string, descriptor: Descriptor): string {
  return join(dir, "blobs", "sha256", descriptor.digest.slice("sha256:".length));
}
