import { readFile } from "node:fs/promises";
import { join } from "node:path";

// Just enough of the OCI image layout to find an image's manifest and config by tag.

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string };
}

export interface OciManifest {
  schemaVersion: number;
  mediaType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

export interface LayoutImage {
  layout: string;
  manifest: OciManifest;
  config: Record<string, unknown> & { rootfs: { type: string; diff_ids: string[] } };
}

/** Splits "<layout dir>:<tag>" (the tag is after the last colon; a path may contain colons). */
export function splitLayoutRef(layoutRef: string): { layout: string; tag: string } {
  const at = layoutRef.lastIndexOf(":");
  if (at <= 0) return { layout: layoutRef, tag: "latest" };
  return { layout: layoutRef.slice(0, at), tag: layoutRef.slice(at + 1) };
}

export function blobPath(layout: string, digest: string): string {
  const [algorithm, hex] = digest.split(":") as [string, string];
  return join(layout, "blobs", algorithm, hex);
}

/** The manifest and config of the image tagged `tag` (linux/amd64 when the tag names an index). */
export async function readLayoutImage(layoutRef: string): Promise<LayoutImage> {
  const { layout, tag } = splitLayoutRef(layoutRef);
  const json = async (digest: string) => JSON.parse(await readFile(blobPath(layout, digest), "utf8"));
  const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as { manifests: OciDescriptor[] };
  const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!entry) throw new Error(`${layout}: no image tagged ${tag}`);
  let manifest = await json(entry.digest);
  if (Array.isArray(manifest.manifests)) {
    const amd64 = (manifest.manifests as OciDescriptor[]).find((m) => m.platform?.architecture === "amd64" && m.platform?.os === "linux");
    if (!amd64) throw new Error(`${layoutRef}: the index has no linux/amd64 image`);
    manifest = await json(amd64.digest);
  }
  return { layout, manifest: manifest as OciManifest, config: await json((manifest as OciManifest).config.digest) };
}
