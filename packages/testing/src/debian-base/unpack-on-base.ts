import { createHash } from "node:crypto";
import { copyFile, link, lstat, mkdir, chmod, chown, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runTool } from "../run-tool.js";
import { assertTools } from "../tools.js";
import { blobPath, readLayoutImage } from "./oci-layout-read.js";

export interface UnpackedImage {
  /** The image's root filesystem. */
  rootfs: string;
  /** How many of the image's layers came from the base's unpacked tree instead of being unpacked. */
  sharedLayers: number;
  /** Unmounts (when an overlay was used). The bundle dir itself is the caller's to remove. */
  release(): Promise<void>;
}

/**
 * Unpacks an image built on `base` without unpacking the base again. When the image's first layers
 * are the base's (same diff_ids, in order), an overlay mount puts a writable view over
 * `base.rootfs` (the base already unpacked, never written to) and umoci applies only the image's
 * other layers onto it: exactly what a full unpack does after its first layers (umoci applies a
 * layer onto the tree the previous ones made, whiteouts included), minus writing ~170 MB for the
 * Debian base, which is what made comparing images on it slow (a full unpack is 1.5-3 s of CPU and
 * disk; this is milliseconds). Otherwise, or when overlayfs cannot be mounted, it is a full
 * umociUnpack. Needs root. Call release() before removing `bundleDir`.
 */
export async function umociUnpackOnBase(
  layoutRef: string,
  bundleDir: string,
  base: { ociRef: string; rootfs: string },
  options: { signal?: AbortSignal } = {},
): Promise<UnpackedImage> {
  assertTools(["umoci", "mount", "umount"], "umociUnpackOnBase");
  const { signal } = options;
  const bundle = resolve(bundleDir);
  await mkdir(bundle, { recursive: true });
  const [image, baseImage] = await Promise.all([readLayoutImage(layoutRef), readLayoutImage(base.ociRef)]);
  const baseIds = baseImage.config.rootfs.diff_ids;
  const ids = image.config.rootfs.diff_ids;
  const onBase = baseIds.length > 0 && baseIds.length <= ids.length && baseIds.every((id, i) => ids[i] === id) && ids.length === image.manifest.layers.length;

  const rootfs = join(bundle, "rootfs");
  const full = async (): Promise<UnpackedImage> => {
    await runTool("umoci", ["raw", "unpack", "--image", layoutRef, rootfs], { signal, timeoutMs: 10 * 60_000 });
    return { rootfs, sharedLayers: 0, release: async () => {} };
  };
  if (!onBase) return full();

  const upper = join(bundle, "upper");
  const work = join(bundle, "work");
  await mkdir(upper);
  await mkdir(work);
  await mkdir(rootfs);
  // The merged root takes the upper dir's metadata: give it the base root's.
  const top = await lstat(base.rootfs);
  await chown(upper, top.uid, top.gid);
  await chmod(upper, top.mode & 0o7777);
  try {
    await runTool("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${resolve(base.rootfs)},upperdir=${upper},workdir=${work}`, rootfs], { signal });
  } catch {
    // No overlayfs here (a container without the capability): unpack everything.
    await rm(upper, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
    await rm(rootfs, { recursive: true, force: true });
    return full();
  }
  let mounted = true;
  const release = async () => {
    if (!mounted) return;
    mounted = false;
    await runTool("umount", [rootfs]);
  };
  try {
    const upperRef = await writeUpperLayout(image, baseIds.length, join(bundle, "upper-layout"));
    if (image.manifest.layers.length > baseIds.length) {
      await runTool("umoci", ["raw", "unpack", "--image", upperRef, rootfs], { signal, timeoutMs: 10 * 60_000 });
    }
    return { rootfs, sharedLayers: baseIds.length, release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** A layout holding the image minus its first `skip` layers (config diff_ids to match), tagged "upper". */
async function writeUpperLayout(image: Awaited<ReturnType<typeof readLayoutImage>>, skip: number, dir: string): Promise<string> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const put = async (data: string) => {
    const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
    await writeFile(blobPath(dir, digest), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const layers = image.manifest.layers.slice(skip);
  for (const layer of layers) {
    const from = blobPath(image.layout, layer.digest);
    const to = blobPath(dir, layer.digest);
    await link(from, to).catch(() => copyFile(from, to));
  }
  const config = { ...image.config, rootfs: { ...image.config.rootfs, diff_ids: image.config.rootfs.diff_ids.slice(skip) } };
  const configBlob = await put(JSON.stringify(config));
  const manifest = { ...image.manifest, config: { ...image.manifest.config, ...configBlob }, layers };
  const manifestBlob = await put(JSON.stringify(manifest));
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: image.manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json", ...manifestBlob, annotations: { "org.opencontainers.image.ref.name": "upper" } }],
  };
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  return `${dir}:upper`;
}
