import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTool } from "../run-tool.js";
import { readImage, type ProbeDescriptor, type ReadImage } from "./image-documents.js";
import { pathArtifact } from "./path-artifact.js";
import type { ArtifactProbe } from "./types.js";

export interface OciLayoutOptions {
  /** Only the index.json entries with this `org.opencontainers.image.ref.name` (exactly one must exist); default every entry. */
  refName?: string;
  /** Extra checks on each image read back. */
  inspect?: (image: ReadImage) => void | Promise<void>;
}

/**
 * Verifies an OCI image layout directory: `oci-layout` names version 1.0.0, `index.json` parses,
 * and from each entry every manifest and blob it reaches is in `blobs/` and matches its digest and
 * size.
 */
export async function verifyOciLayout(dir: string, options: OciLayoutOptions = {}): Promise<ReadImage[]> {
  const layout = JSON.parse(await readFile(join(dir, "oci-layout"), "utf8")) as { imageLayoutVersion?: string };
  if (layout.imageLayoutVersion !== "1.0.0") throw new Error(`${dir}/oci-layout has imageLayoutVersion ${String(layout.imageLayoutVersion)}`);
  const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as { manifests?: ProbeDescriptor[] };
  let entries = index.manifests ?? [];
  if (options.refName !== undefined) {
    entries = entries.filter((d) => d.annotations?.["org.opencontainers.image.ref.name"] === options.refName);
    if (entries.length !== 1) throw new Error(`${dir}/index.json has ${entries.length} entries named ${options.refName}, expected 1`);
  }
  if (entries.length === 0) throw new Error(`${dir}/index.json has no entries`);
  const read = (descriptor: ProbeDescriptor) => {
    const [algorithm, hex] = descriptor.digest.split(":");
    return readFile(join(dir, "blobs", algorithm!, hex!));
  };
  const images: ReadImage[] = [];
  for (const entry of entries) {
    const image = await readImage(entry, read);
    await options.inspect?.(image);
    images.push(image);
  }
  return images;
}

/** An exporter that writes an OCI layout directory at the target (type=oci,tar=false; the local cache). */
export function ociLayoutArtifact(options: OciLayoutOptions = {}): ArtifactProbe {
  return pathArtifact(async (target) => {
    await verifyOciLayout(target, options);
  });
}

/**
 * An exporter that writes an OCI (or Docker) archive at the target (type=oci, type=docker): the
 * tarball is unpacked with `tar` into a temp dir and verified as a layout; `inspectFiles` may look
 * at the unpacked directory too (docker's manifest.json).
 */
export function ociArchiveArtifact(options: OciLayoutOptions & { inspectFiles?: (dir: string) => void | Promise<void> } = {}): ArtifactProbe {
  return pathArtifact(async (target, { signal }) => {
    const dir = await mkdtemp(join(tmpdir(), "exp-conformance-archive-"));
    try {
      await runTool("tar", ["-xf", target, "-C", dir], { signal });
      await verifyOciLayout(dir, options);
      await options.inspectFiles?.(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
