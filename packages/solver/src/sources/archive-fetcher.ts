import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { isAbortError } from "@exp/errors";
import { readTar, TarHeaderTooLargeError } from "@exp/tar";
import type { ContentStore } from "@exp/content";
import { asDigest, DigestMismatchError, parseImageLayoutIndex, type Descriptor } from "@exp/oci-spec";
import type { BlobFetcher } from "./blob-fetcher.js";
import { ImageNotFoundError } from "./layout-fetcher.js";

/**
 * An image in an OCI archive (the tarball `--output type=oci` and `skopeo copy … oci-archive:`
 * write). A tar cannot be read at random, so the archive is streamed once into the content store
 * (every blob verified against its name, under the build's lease); everything after reads the store.
 */
export async function archiveFetcher(path: string, tag: string | undefined, store: ContentStore, options: { lease?: string; signal?: AbortSignal } = {}): Promise<BlobFetcher> {
  const name = `oci-archive://${path}${tag ? `:${tag}` : ""}`;
  let indexJson: string | undefined;
  try {
    for await (const { header, body } of readTar(createReadStream(path), { name, ...(options.signal ? { signal: options.signal } : {}) })) {
      const entry = header.name.replace(/^\.\//, "");
      const blob = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(entry);
      if (entry === "index.json") {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk);
        indexJson = Buffer.concat(chunks).toString("utf8");
      } else if (blob && header.type === "file") {
        await store.ingest(body, {
          expected: { digest: asDigest(`${blob[1]}:${blob[2]}`), size: header.size },
          ...(options.lease ? { lease: options.lease } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      }
      // Anything else (oci-layout, manifest.json, directories) is skipped by the reader.
    }
  } catch (cause) {
    // A blob that is not what its name says is a corrupt archive, not a missing image.
    if (cause instanceof DigestMismatchError) throw new DigestMismatchError(`blob ${cause.expected} of ${name}`, cause.expected, cause.actual);
    if (cause instanceof TarHeaderTooLargeError || isAbortError(cause)) throw cause;
    throw new ImageNotFoundError(name, `cannot read the archive: ${(cause as Error).message}`);
  }
  if (indexJson === undefined) throw new ImageNotFoundError(name, "the archive has no index.json");
  const index = parseImageLayoutIndex(indexJson);
  const entries = tag === undefined ? index.manifests : index.manifests.filter((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (entries.length !== 1) throw new ImageNotFoundError(name, tag === undefined ? `index.json has ${entries.length} entries; name one with :<tag>` : `no entry tagged "${tag}"`);
  const root = entries[0]! as Descriptor;
  // Ingest checked each blob against its name; a descriptor may still lie about the size, which an
  // exporter copying the blob would otherwise find only as a bare "Size mismatch" half-way through.
  const checkSize = async (descriptor: Pick<Descriptor, "digest" | "size">, signal: AbortSignal | undefined): Promise<void> => {
    const info = await store.info(descriptor.digest, signal ? { signal } : {}).catch(() => Promise.reject(new ImageNotFoundError(name, `blob ${descriptor.digest} is not in the archive`)));
    if (info.size !== descriptor.size) throw new DigestMismatchError(`size of blob ${descriptor.digest} in ${name}`, String(descriptor.size), String(info.size));
  };
  return {
    name,
    async root({ signal }) {
      return { descriptor: root, bytes: await store.readAll(root.digest, signal ? { signal } : {}) };
    },
    async fetch(descriptor, { signal }): Promise<Readable> {
      await checkSize(descriptor, signal);
      return (await store.read(descriptor.digest, signal ? { signal } : {})) as Readable;
    },
    async fetchDocument(descriptor, { signal }) {
      await checkSize(descriptor, signal);
      return store.readAll(descriptor.digest, signal ? { signal } : {});
    },
  };
}
