import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContentStore } from "@exp/content";
import { digestOf, OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@exp/oci-spec";
import { LayerBlobs } from "../layers/layer-blobs.js";
import type { Ref } from "../layers/ref.js";

/** A minimal OCI layout of one image (the real writer is @exp/exporter-oci; this only feeds umoci). */
export async function writeTestLayout(store: ContentStore, ref: Ref, layoutDir: string, tag: string, platform = { architecture: "amd64", os: "linux" }): Promise<void> {
  const blobs = new LayerBlobs(store);
  const blobDir = join(layoutDir, "blobs", "sha256");
  await mkdir(blobDir, { recursive: true });
  const layers = [];
  for (const layer of ref.layers) {
    const blob = await blobs.get(layer, { type: "gzip" });
    await writeFile(join(blobDir, blob.descriptor.digest.slice(7)), await store.readAll(blob.descriptor.digest, { maxBytes: 64 << 20 }));
    layers.push({ mediaType: blob.descriptor.mediaType, digest: blob.descriptor.digest, size: blob.descriptor.size });
  }
  const put = async (value: unknown, mediaType: string) => {
    const bytes = Buffer.from(JSON.stringify(value));
    await writeFile(join(blobDir, digestOf(bytes).slice(7)), bytes);
    return { mediaType, digest: digestOf(bytes), size: bytes.length };
  };
  const config = await put({ ...platform, rootfs: { type: "layers", diff_ids: ref.layers.map((l) => l.diffID) }, config: {} }, OCI_IMAGE_CONFIG);
  const manifest = await put({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config, layers }, OCI_IMAGE_MANIFEST);
  await writeFile(join(layoutDir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(join(layoutDir, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": tag } }] }));
}


/** Rewrites a layout's index.json so its one tag names an index of the given per-platform layouts' manifests. */
export async function writeTestIndexLayout(layouts: ReadonlyArray<{ dir: string; platform: { os: string; architecture: string } }>, target: string, tag: string): Promise<void> {
  const { readFile, cp } = await import("node:fs/promises");
  const blobDir = join(target, "blobs", "sha256");
  await mkdir(blobDir, { recursive: true });
  const manifests = [];
  for (const layout of layouts) {
    await cp(join(layout.dir, "blobs"), join(target, "blobs"), { recursive: true });
    const index = JSON.parse(await readFile(join(layout.dir, "index.json"), "utf8")) as { manifests: Array<{ mediaType: string; digest: string; size: number }> };
    const { mediaType, digest, size } = index.manifests[0]!;
    manifests.push({ mediaType, digest, size, platform: layout.platform });
  }
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests }));
  await writeFile(join(blobDir, digestOf(bytes).slice(7)), bytes);
  await writeFile(join(target, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(join(target, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [{ mediaType: OCI_IMAGE_INDEX, digest: digestOf(bytes), size: bytes.length, annotations: { "org.opencontainers.image.ref.name": tag } }] }));
}
