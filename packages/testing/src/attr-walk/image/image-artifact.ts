import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gunzipSync } from "node:zlib";

/** What an oci export wrote, read back whole: every file of the layout, and whether it was a tarball. */
export interface OciArtifact {
  readonly kind: "tar" | "dir";
  /** Path in the layout → bytes (`index.json`, `oci-layout`, `blobs/sha256/…`). */
  readonly files: ReadonlyMap<string, Buffer>;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string };
}

async function walk(dir: string, root = dir): Promise<Array<[string, Buffer]>> {
  const out: Array<[string, Buffer]> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path, root)));
    else out.push([relative(root, path), await readFile(path)]);
  }
  return out;
}

/** Reads a layout directory, or unpacks the archive (with GNU tar, not exp's reader) and reads that. */
export async function readOciArtifact(dest: string, kind: "tar" | "dir"): Promise<OciArtifact> {
  if (kind === "dir") return { kind, files: new Map(await walk(dest)) };
  const dir = await mkdtemp(join(tmpdir(), "exp-oci-walk-"));
  try {
    execFileSync("tar", ["-xf", dest, "-C", dir]);
    return { kind, files: new Map(await walk(dir)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every file and its digest: two artifacts differ iff this does. */
export function fingerprint(artifact: OciArtifact): string {
  const files = [...artifact.files].map(([path, bytes]) => `${path} ${createHash("sha256").update(bytes).digest("hex")}`).sort();
  return [artifact.kind, ...files].join("\n");
}

export function blob(artifact: OciArtifact, digest: string): Buffer {
  const bytes = artifact.files.get(join("blobs", ...digest.split(":")));
  if (!bytes) throw new Error(`blob ${digest} is not in the layout`);
  return bytes;
}

export function json<T = Record<string, unknown>>(artifact: OciArtifact, digest: string): T {
  return JSON.parse(blob(artifact, digest).toString("utf8")) as T;
}

export function indexJson(artifact: OciArtifact): { manifests: Descriptor[] } {
  return JSON.parse(artifact.files.get("index.json")!.toString("utf8")) as { manifests: Descriptor[] };
}

/** The descriptor index.json points at (the image's root). */
export function rootDescriptor(artifact: OciArtifact): Descriptor {
  return indexJson(artifact).manifests[0]!;
}

export interface Manifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** The image manifest of one platform (the root itself for a single-platform image). */
export function manifest(artifact: OciArtifact, architecture = "amd64"): Manifest {
  const root = json<Manifest & { manifests?: Descriptor[] }>(artifact, rootDescriptor(artifact).digest);
  if (!root.manifests) return root;
  const entry = root.manifests.find((m) => m.platform?.architecture === architecture);
  if (!entry) throw new Error(`no ${architecture} manifest in the index`);
  return json<Manifest>(artifact, entry.digest);
}

export function config(artifact: OciArtifact): { created?: string; rootfs: { diff_ids: string[] } } {
  return json(artifact, manifest(artifact).config.digest);
}

/** Modification times (seconds) of the entries of a gzip layer, by path, read with GNU tar. */
export function layerMtimes(artifact: OciArtifact, layer: Descriptor): Map<string, number> {
  const tar = gunzipSync(blob(artifact, layer.digest));
  const listing = execFileSync("tar", ["--list", "--verbose", "--full-time", "--numeric-owner", "-f", "-"], { input: tar, env: { ...process.env, TZ: "UTC" }, encoding: "utf8" });
  const out = new Map<string, number>();
  for (const line of listing.trim().split("\n")) {
    const match = /^\S+\s+\S+\s+\d+\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+(.+)$/.exec(line);
    if (match) out.set(match[2]!, Date.parse(`${match[1]!.replace(" ", "T")}Z`) / 1000);
  }
  return out;
}
