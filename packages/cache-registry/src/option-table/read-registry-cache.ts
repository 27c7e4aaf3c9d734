import { httpRequest, layoutSnapshot, type TestRegistry } from "@exp/testing";

const ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

interface Root {
  mediaType: string;
  config?: { digest: string };
  layers?: Array<{ digest: string }>;
  manifests?: Array<{ digest: string }>;
}

/**
 * Reads the cache under `repository:tag` straight from the registry (not through exp's client, so
 * a client defect cannot hide one of the exporter's) into the shape of a local cache: index.json
 * naming the manifest as `latest`, and every blob it references. No manifest: no files.
 */
export async function readRegistryCache(registry: TestRegistry, repository: string, tag: string): Promise<Map<string, Buffer>> {
  const ca = registry.caCert;
  const get = (path: string, headers: Record<string, string> = {}) => httpRequest(`${registry.url}/v2/${repository}/${path}`, { headers, ...(ca ? { ca } : {}) });
  const res = await get(`manifests/${tag}`, { accept: ACCEPT });
  if (res.status === 404) return new Map();
  if (res.status !== 200) throw new Error(`GET manifest ${repository}:${tag}: ${res.status}`);
  const root = JSON.parse(res.body.toString("utf8")) as Root;
  const blobs = new Map<string, Buffer>();
  for (const { digest } of [...(root.config ? [root.config] : []), ...(root.layers ?? []), ...(root.manifests ?? [])]) {
    const blob = await get(`blobs/${digest}`);
    if (blob.status !== 200) throw new Error(`GET blob ${digest} of ${repository}:${tag}: ${blob.status}`);
    blobs.set(digest, blob.body);
  }
  return layoutSnapshot({ mediaType: String(res.headers["content-type"] ?? root.mediaType), bytes: res.body }, blobs);
}
