import type { Digest, Platform } from "@exp/oci-spec";
import type { FsNode, HttpNode, ImageNode } from "./nodes.js";

/** What a build fetched, pinned by digest: the materials of its provenance (BuildKit's provenance Sources). */
export interface BuildMaterials {
  readonly images: readonly ResolvedImageMaterial[];
  readonly http: readonly ResolvedHttpMaterial[];
}

export interface ResolvedImageMaterial {
  /** As the Dockerfile names it (`alpine:3.20`, `oci-layout://dir:tag`). */
  readonly ref: string;
  /** What the reference resolved to: the index's digest when it names one. */
  readonly digest: Digest;
  readonly platform: Platform;
  /** From an OCI layout or archive on this machine, not a registry. */
  readonly local: boolean;
}

export interface ResolvedHttpMaterial {
  readonly url: string;
  readonly digest: Digest;
}

/**
 * The images and downloads a node's result was made from, each once, in the order a depth-first
 * walk from the node meets them (a COPY's base before its source). `image` and `http` give a
 * node's resolution, solving it if need be (the solver memoises both, so nothing is fetched twice).
 */
export async function collectMaterials(
  root: FsNode,
  resolve: { image(node: ImageNode): Promise<Digest>; http(node: HttpNode): Promise<Digest> },
): Promise<BuildMaterials> {
  const images = new Map<string, ResolvedImageMaterial>();
  const http = new Map<string, ResolvedHttpMaterial>();
  const seen = new Set<FsNode>();
  const visit = async (node: FsNode): Promise<void> => {
    if (seen.has(node)) return;
    seen.add(node);
    switch (node.kind) {
      case "image": {
        const digest = await resolve.image(node);
        const local = node.ref.startsWith("oci-layout://") || node.ref.startsWith("oci-archive://");
        images.set(`${node.ref}|${digest}`, { ref: node.ref, digest, platform: node.platform, local });
        return;
      }
      case "http":
        http.set(node.url, { url: node.url, digest: await resolve.http(node) });
        return;
      case "copy":
        await visit(node.base);
        if (node.from) await visit(node.from);
        return;
      case "mkdir":
        await visit(node.base);
        return;
      default:
        return;
    }
  };
  await visit(root);
  return { images: [...images.values()], http: [...http.values()] };
}
