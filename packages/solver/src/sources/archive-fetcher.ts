import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { extract } from "tar-stream";
import type { ContentStore } from "@exp/content";
import { asDigest, parseImageLayoutIndex, type Descriptor } from "@exp/oci-spec";
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
  const parser = extract();
  const done = new Promise<void>((resolve, reject) => {
    parser.on("entry", (header, stream, next) => {
      const entry = header.name.replace(/^\.\//, "");
      const blob = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(entry);
      const consume = async () => {
        if (entry === "index.json") {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          indexJson = Buffer.concat(chunks).toString("utf8");
        } else if (blob && header.type === "file") {
          // tar-stream's entry streams are streamx streams: async-iterable, which ingest accepts.
          await store.ingest(stream as AsyncIterable<Uint8Array>, {
            expected: { digest: asDigest(`${blob[1]}:${blob[2]}`), size: header.size ?? 0 },
            ...(options.lease ? { lease: options.lease } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          });
        } else {
          for await (const _ of stream) {
            // skip entries that are not blobs or index.json (oci-layout, manifest.json, directories)
          }
        }
      };
      consume().then(() => next(), reject);
    });
    parser.on("finish", resolve);
    parser.on("error", reject);
  });
  const file = createReadStream(path, options.signal ? { signal: options.signal } : {});
  file.on("error", (error) => parser.destroy(error));
  file.pipe(parser);
  await done.catch((cause: unknown) => Promise.reject(new ImageNotFoundError(name, `cannot read the archive: ${(cause as Error).message}`)));
  if (indexJson === undefined) throw new ImageNotFoundError(name, "the archive has no index.json");
  const index = parseImageLayoutIndex(indexJson);
  const entries = tag === undefined ? index.manifests : index.manifests.filter((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (entries.length !== 1) throw new ImageNotFoundError(name, tag === undefined ? `index.json has ${entries.length} entries; name one with :<tag>` : `no entry tagged "${tag}"`);
  const root = entries[0]! as Descriptor;
  return {
    name,
    async root({ signal }) {
      return { descriptor: root, bytes: await store.readAll(root.digest, signal ? { signal } : {}) };
    },
    async fetch(descriptor, { signal }): Promise<Readable> {
      return (await store.read(descriptor.digest, signal ? { signal } : {})) as Readable;
    },
    async fetchDocument(descriptor, { signal }) {
      return store.readAll(descriptor.digest, signal ? { signal } : {});
    },
  };
}
