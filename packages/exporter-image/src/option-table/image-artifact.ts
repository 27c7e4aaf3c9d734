import type { ContentStore } from "@exp/content";
import type { Digest } from "@exp/oci-spec";
import { httpRequest, type OciArtifact } from "@exp/testing";

interface Doc {
  schemaVersion?: number;
  manifests?: Array<{ digest: string }>;
  config?: { digest: string };
  layers?: Array<{ digest: string }>;
}

/** Pseudo-files of the artifact that are not blobs: what the store and the registry were left holding. */
export const ROOTS = "exp/roots";
export const IMAGE_NAME = "exp/image.name";
export const REGISTRY = "exp/registry";
/** The failed export's error code (only when it failed). */
export const ERROR = "exp/error";
/** Stands for the push variant's registry host in attrs and in the artifact. */
export const PLACEHOLDER = "walk-registry.invalid";

/** Every blob of the image under `root`, read from the store, as an OCI layout would hold it. */
async function blobsOf(store: ContentStore, digest: string, files: Map<string, Buffer>): Promise<void> {
  const bytes = await store.readAll(digest as Digest);
  files.set(`blobs/${digest.replace(":", "/")}`, bytes);
  let doc: Doc;
  try {
    doc = JSON.parse(bytes.toString("utf8")) as Doc;
  } catch {
    return; // a layer
  }
  if (doc.schemaVersion !== 2) return; // an image config: its "config" is the runtime config, no descriptor
  for (const child of [...(doc.manifests ?? []), ...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
    if (!files.has(`blobs/${child.digest.replace(":", "/")}`)) await blobsOf(store, child.digest, files);
  }
}

/**
 * What a type=image export made, as an OciArtifact: index.json holding the root descriptor it
 * reported (containerimage.descriptor), every blob from the store, and as pseudo-files the store's
 * image roots, the reported image.name and what the registry holds.
 */
export async function imageArtifact(store: ContentStore, response: Readonly<Record<string, string>>, registryListing: string, registryHost?: string): Promise<OciArtifact> {
  // A fresh registry per export has a fresh port: written as the placeholder the rows use.
  const stable = (text: string) => (registryHost ? text.replaceAll(registryHost, PLACEHOLDER) : text);
  const root = JSON.parse(Buffer.from(response["containerimage.descriptor"]!, "base64").toString("utf8")) as { digest: string };
  const files = new Map<string, Buffer>();
  files.set("index.json", Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [root] })));
  await blobsOf(store, root.digest, files);
  const roots = (await store.roots.list()).filter((r) => r.name.startsWith("image/")).map((r) => `${r.name} ${r.descriptor.digest}`).sort();
  files.set(ROOTS, Buffer.from(stable(roots.join("\n"))));
  files.set(IMAGE_NAME, Buffer.from(stable(response["image.name"] ?? "")));
  files.set(REGISTRY, Buffer.from(registryListing));
  return { kind: "dir", files };
}

const ACCEPT = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/** A failed export: its error code and what the registry holds (nothing of the image). */
export function failedArtifact(error: unknown, registryListing: string): OciArtifact {
  const code = (error as { code?: string }).code ?? (error as Error).name;
  return { kind: "dir", files: new Map([[ERROR, Buffer.from(code)], [REGISTRY, Buffer.from(registryListing)]]) };
}

/** Every repository, tag and the given digest's presence in a registry, with its host written as PLACEHOLDER. */
export async function registryListing(url: string, host: string, digest: string | undefined, ca?: string): Promise<string> {
  // httpRequest, not fetch: a TLS registry's self-signed certificate is trusted through `ca`.
  const get = async (path: string) => JSON.parse((await httpRequest(`${url}${path}`, ca ? { ca } : {})).body.toString("utf8")) as Record<string, unknown>;
  const repositories = ((await get("/v2/_catalog")).repositories as string[] | undefined) ?? [];
  const lines: string[] = [];
  for (const repo of repositories.sort()) {
    const tags = ((await get(`/v2/${repo}/tags/list`)).tags as string[] | null | undefined) ?? [];
    const byDigest = digest !== undefined && (await httpRequest(`${url}/v2/${repo}/manifests/${digest}`, { method: "HEAD", headers: { accept: ACCEPT }, ...(ca ? { ca } : {}) })).status === 200;
    lines.push(`${repo} tags=${[...tags].sort().join(",")} root-by-digest=${byDigest}`);
  }
  return lines.join("\n").replaceAll(host, PLACEHOLDER);
}
