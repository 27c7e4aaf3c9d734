import type { Readable } from "node:stream";
import { ExpError } from "@exp/errors";
import { parseReference, verifyDigest, type Descriptor, type ImageReference, type RegistryApi } from "@exp/oci-spec";
import type { BlobFetcher } from "./blob-fetcher.js";

const maxDocumentBytes = 4 * 1024 * 1024;

/**
 * Blobs of an image in a registry, through the shared client (its limits, auth and retries; its
 * errors, typed by the client, including a body that breaks off).
 */
export function registryFetcher(client: RegistryApi, reference: string | ImageReference): BlobFetcher {
  const ref = typeof reference === "string" ? parseReference(reference) : reference;
  return {
    name: ref.toString(),
    origin: { registry: ref.registry, repository: ref.repository },
    async root({ signal }) {
      const fetched = await client.getManifest(ref, signal ? { signal } : {});
      return { descriptor: fetched.descriptor, bytes: fetched.bytes };
    },
    async fetch(descriptor, { signal }): Promise<Readable> {
      return client.getBlob(ref, descriptor, signal ? { signal } : {});
    },
    fetchDocument,
  };

  async function fetchDocument(descriptor: Descriptor, { signal }: { signal?: AbortSignal }): Promise<Buffer> {
    if (descriptor.size > maxDocumentBytes) {
      throw new ExpError("ERR_TOO_LARGE", `${descriptor.mediaType} ${descriptor.digest} of ${ref.toString()} is ${descriptor.size} bytes; at most ${maxDocumentBytes} are read`);
    }
    if (descriptor.mediaType.includes("manifest") || descriptor.mediaType.includes("index")) {
      const fetched = await client.getManifest(ref.withDigest(descriptor.digest), signal ? { signal } : {});
      return fetched.bytes;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await client.getBlob(ref, descriptor, signal ? { signal } : {})) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    verifyDigest(bytes, descriptor.digest, `${descriptor.mediaType} of ${ref.toString()}`);
    return bytes;
  }
}
