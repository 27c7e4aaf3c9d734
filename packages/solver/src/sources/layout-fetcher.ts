import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline, type Readable } from "node:stream";
import { ExpError } from "@exp/errors";
import { createDigestVerifier, DigestMismatchError, parseDigest, parseImageLayout, parseImageLayoutIndex, verifyDigest, type Descriptor } from "@exp/oci-spec";
import type { BlobFetcher } from "./blob-fetcher.js";

export class ImageNotFoundError extends ExpError {
  constructor(what: string, reason: string) {
    super("ERR_IMAGE_NOT_FOUND", `${what}: ${reason}`);
  }
}

/**
 * An image in an OCI image layout directory (what `--output type=oci,tar=false`, skopeo's `oci:`
 * and umoci write). `tag` selects the index.json entry by `org.opencontainers.image.ref.name`;
 * without it the layout must hold exactly one entry.
 */
export function layoutFetcher(dir: string, tag?: string): BlobFetcher {
  const name = `oci-layout://${dir}${tag ? `:${tag}` : ""}`;
  const blobPath = (digest: string) => {
    const { algorithm, hex } = parseDigest(digest);
    return join(dir, "blobs", algorithm, hex);
  };
  return {
    name,
    async root() {
      parseImageLayout(await readFile(join(dir, "oci-layout"), "utf8").catch((cause: unknown) => Promise.reject(new ImageNotFoundError(name, `no oci-layout file (${(cause as Error).message})`))));
      const index = parseImageLayoutIndex(await readFile(join(dir, "index.json"), "utf8"));
      const entries = tag === undefined ? index.manifests : index.manifests.filter((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag || m.annotations?.["io.containerd.image.name"]?.endsWith(`:${tag}`));
      if (entries.length !== 1) {
        const tags = index.manifests.map((m) => m.annotations?.["org.opencontainers.image.ref.name"]).filter(Boolean);
        throw new ImageNotFoundError(name, tag === undefined ? `index.json has ${entries.length} entries; name one with :<tag> (tags: ${tags.join(", ") || "none"})` : `no entry tagged "${tag}" (tags: ${tags.join(", ") || "none"})`);
      }
      const descriptor = entries[0]! as Descriptor;
      const bytes = await readFile(blobPath(descriptor.digest));
      verifyDigest(bytes, descriptor.digest, `${descriptor.mediaType} in ${name}`);
      return { descriptor, bytes };
    },
    async fetch(descriptor, { signal }): Promise<Readable> {
      const path = blobPath(descriptor.digest);
      const { size } = await stat(path).catch(() => Promise.reject(new ImageNotFoundError(name, `blob ${descriptor.digest} is missing`)));
      if (size !== descriptor.size) throw new DigestMismatchError(`size of blob ${descriptor.digest} in ${name}`, String(descriptor.size), String(size));
      const check = createDigestVerifier(descriptor.digest, `blob in ${name}`, { size: descriptor.size });
      pipeline(createReadStream(path, signal ? { signal } : {}), check, () => undefined);
      return check;
    },
    async fetchDocument(descriptor) {
      const bytes = await readFile(blobPath(descriptor.digest)).catch(() => Promise.reject(new ImageNotFoundError(name, `blob ${descriptor.digest} is missing`)));
      verifyDigest(bytes, descriptor.digest, `${descriptor.mediaType} in ${name}`);
      return bytes;
    },
  };
}
