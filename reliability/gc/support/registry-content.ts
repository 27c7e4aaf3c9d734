import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { httpRequest } from "@exp/testing";

const run = promisify(execFile);

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/**
 * Everything a tag reaches in a repository (manifests, indexes, configs, layers, cache blobs),
 * each fetched and checked against its digest and size: a pushed image or registry cache whose
 * content was corrupted or never fully uploaded fails here. Returns every digest reached.
 */
export async function verifyRepository(registryUrl: string, repository: string, tag: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const fetchVerified = async (kind: "manifests" | "blobs", ref: string, expect?: Descriptor): Promise<Buffer> => {
    const res = await httpRequest(`${registryUrl}/v2/${repository}/${kind}/${ref}`, { headers: { accept: MANIFEST_TYPES.join(", ") }, timeoutMs: 30_000 });
    if (res.status !== 200) throw new Error(`GET ${repository}/${kind}/${ref}: HTTP ${res.status}`);
    const digest = `sha256:${createHash("sha256").update(res.body).digest("hex")}`;
    if (expect && (digest !== expect.digest || res.body.length !== expect.size)) {
      throw new Error(`${repository}/${kind}/${ref}: got ${digest} (${res.body.length} bytes), expected ${expect.digest} (${expect.size} bytes)`);
    }
    seen.add(digest);
    return res.body;
  };
  const visit = async (descriptor: Descriptor): Promise<void> => {
    if (seen.has(descriptor.digest)) return;
    if (!MANIFEST_TYPES.includes(descriptor.mediaType)) return void (await fetchVerified("blobs", descriptor.digest, descriptor));
    await follow(await fetchVerified("manifests", descriptor.digest, descriptor));
  };
  const follow = async (body: Buffer): Promise<void> => {
    const doc = JSON.parse(body.toString("utf8")) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
    for (const child of [...(doc.manifests ?? []), ...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) await visit(child);
  };
  await follow(await fetchVerified("manifests", tag));
  return seen;
}

/**
 * A second opinion from independent clients: skopeo pulls the image into an OCI layout (verifying
 * every blob it downloads) and umoci unpacks it. Resolves with the unpacked root filesystem.
 */
export async function pullAndUnpack(registryHost: string, repository: string, tag: string, workDir: string): Promise<string> {
  const layout = join(workDir, "layout");
  const bundle = join(workDir, "bundle");
  await mkdir(workDir, { recursive: true });
  await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${registryHost}/${repository}:${tag}`, `oci:${layout}:${tag}`], { timeout: 60_000 });
  await run("umoci", ["unpack", ...(process.getuid?.() === 0 ? [] : ["--rootless"]), "--image", `${layout}:${tag}`, bundle], { timeout: 60_000 });
  return join(bundle, "rootfs");
}
