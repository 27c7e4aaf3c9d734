import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ExpError } from "@exp/errors";
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, parseDigest, parseImageLayoutIndex, verifyDigest, type Descriptor, type Digest } from "@exp/oci-spec";
import type { BlobFetcher } from "../sources/blob-fetcher.js";
import { layoutFetcher } from "../sources/layout-fetcher.js";

/**
 * `oci-layout://<dir>@<digest>`: the manifest or index with that digest in an OCI layout
 * directory, whether or not index.json lists it, as BuildKit's oci-layout source reads it (the
 * layout is a content store, the digest a blob in it: source/containerimage, ResolverTypeOCILayout).
 * What buildx passes for `--build-context name=oci-layout://<dir>[:tag]` once it has looked the tag up.
 * The blobs below the root are read as layoutFetcher reads them.
 */
export function layoutDigestFetcher(dir: string, digest: Digest): BlobFetcher {
  const inner = layoutFetcher(dir);
  const name = `oci-layout://${dir}@${digest}`;
  return {
    name,
    fetch: (descriptor, options) => inner.fetch(descriptor, options),
    fetchDocument: (descriptor, options) => inner.fetchDocument(descriptor, options),
    async root() {
      const { algorithm, hex } = parseDigest(digest);
      const bytes = await readFile(join(dir, "blobs", algorithm, hex)).catch((cause: unknown) =>
        Promise.reject(new ExpError("ERR_IMAGE_NOT_FOUND", `${name}: no blob ${digest} in the layout (${(cause as Error).message})`, { cause })),
      );
      verifyDigest(bytes, digest, `root of ${name}`);
      return { descriptor: { mediaType: await mediaTypeOf(dir, digest, bytes), digest, size: bytes.length } as Descriptor, bytes };
    },
  };
}

/** The media type index.json gives the digest, else the document's own `mediaType`, else what its shape says. */
async function mediaTypeOf(dir: string, digest: Digest, bytes: Buffer): Promise<string> {
  const listed = await readFile(join(dir, "index.json"), "utf8")
    .then((text) => parseImageLayoutIndex(text).manifests.find((m) => m.digest === digest)?.mediaType)
    .catch(() => undefined);
  if (listed) return listed;
  let document: { mediaType?: unknown; manifests?: unknown } = {};
  try {
    document = JSON.parse(bytes.toString("utf8")) as typeof document;
  } catch {
    // Not JSON: resolveImage reports what it is not.
  }
  if (typeof document.mediaType === "string") return document.mediaType;
  return Array.isArray(document.manifests) ? OCI_IMAGE_INDEX : OCI_IMAGE_MANIFEST;
}
