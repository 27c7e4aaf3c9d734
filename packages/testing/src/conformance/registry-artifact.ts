import { httpRequest } from "../http-request.js";
import { readImage, type ReadImage } from "./image-documents.js";
import type { ArtifactProbe } from "./types.js";

const accept = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export interface RegistryArtifactOptions {
  /**
   * The registry's own URL (TestRegistry.url), read directly: not through the proxy the exporter
   * pushes through, so the probe's requests neither show in its log nor wait on its throttle.
   */
  url: () => string;
  /** PEM CA of a TLS registry. */
  ca?: string;
  /** Extra checks on what was read back (e.g. that the config carries the inline cache). */
  inspect?: (image: ReadImage) => void | Promise<void>;
}

/**
 * The artifact of an exporter that pushes an image (or a cache image) to `<host>/<repository>:<tag>`:
 * present when the tag resolves in the registry; verified when its manifest and, through an index,
 * every child manifest, config and layer are fetched from the registry and match their digests
 * and sizes. The target's host is ignored (it is usually the proxy's); `url` is asked.
 */
export function registryArtifact(options: RegistryArtifactOptions): ArtifactProbe {
  const get = async (path: string, signal: AbortSignal, headers: Record<string, string> = {}) =>
    httpRequest(`${options.url()}${path}`, { headers, signal, ...(options.ca ? { ca: options.ca } : {}) });
  return {
    async verify(target, { signal }) {
      const { repository, tag } = splitTarget(target);
      const root = await get(`/v2/${repository}/manifests/${tag}`, signal, { accept });
      if (root.status !== 200) throw new Error(`GET ${repository}:${tag} answered ${root.status}: ${root.body.toString("utf8").slice(0, 200)}`);
      const digest = String(root.headers["docker-content-digest"] ?? "");
      const mediaType = String(root.headers["content-type"] ?? "").split(";")[0]!.trim();
      const image = await readImage({ mediaType, digest, size: root.body.length }, async (descriptor, kind) => {
        if (descriptor.digest === digest && kind === "manifest") return root.body;
        const path = kind === "manifest" ? `/v2/${repository}/manifests/${descriptor.digest}` : `/v2/${repository}/blobs/${descriptor.digest}`;
        const response = await get(path, signal, kind === "manifest" ? { accept } : {});
        if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
        return response.body;
      });
      await options.inspect?.(image);
    },
    async present(target, { signal }) {
      const { repository, tag } = splitTarget(target);
      const response = await get(`/v2/${repository}/manifests/${tag}`, signal, { accept });
      if (response.status === 404) return [];
      if (response.status !== 200) throw new Error(`GET ${repository}:${tag} answered ${response.status}`);
      return [`${repository}:${tag} (${String(response.headers["docker-content-digest"])})`];
    },
  };
}

/** `host[:port]/repo/sitory:tag` into its repository and tag (default "latest"). */
export function splitTarget(target: string): { repository: string; tag: string } {
  const slash = target.indexOf("/");
  const path = target.slice(slash + 1);
  const colon = path.lastIndexOf(":");
  return colon > path.lastIndexOf("/") ? { repository: path.slice(0, colon), tag: path.slice(colon + 1) } : { repository: path, tag: "latest" };
}
