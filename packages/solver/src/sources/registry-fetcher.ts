import { Readable } from "node:stream";
import { ExpError, isAbortError } from "@exp/errors";
import { verifyDigest, type Descriptor } from "@exp/oci-spec";
import { parseReference, RegistryNetworkError, type ImageReference, type RegistryClient } from "@exp/registry";
import type { BlobFetcher } from "./blob-fetcher.js";

const maxDocumentBytes = 4 * 1024 * 1024;

/** Blobs of an image in a registry, through the shared client (its limits, auth and retries). */
export function registryFetcher(client: RegistryClient, reference: string | ImageReference): BlobFetcher {
  const ref = typeof reference === "string" ? parseReference(reference) : reference;
  return {
    name: ref.toString(),
    origin: { registry: ref.registry, repository: ref.repository },
    async root({ signal }) {
      const fetched = await typed(`manifest ${ref.toString()}`, () => client.getManifest(ref, signal ? { signal } : {}));
      return { descriptor: fetched.descriptor, bytes: fetched.bytes };
    },
    async fetch(descriptor, { signal }): Promise<Readable> {
      const what = `blob ${descriptor.digest} of ${ref.toString()}`;
      return typedStream(what, await typed(what, () => client.getBlob(ref, descriptor, signal ? { signal } : {})));
    },
    fetchDocument: (descriptor, options) => typed(`${descriptor.mediaType} ${descriptor.digest} of ${ref.toString()}`, () => fetchDocument(descriptor, options)),
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

/**
 * A body that breaks off after the headers (the connection dropped, a proxy gave up) reaches us
 * as undici's bare SocketError, outside the client's typed errors and retries. It is reported as
 * what it is, a network failure naming what was being read; our own errors pass as they are.
 */
function asNetworkError(error: unknown, what: string): unknown {
  if (error instanceof ExpError || isAbortError(error) || !(error instanceof Error)) return error;
  return new RegistryNetworkError("GET", what, error);
}

async function typed<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw asNetworkError(error, what);
  }
}

function typedStream(what: string, source: Readable): Readable {
  return Readable.from(
    (async function* () {
      try {
        yield* source;
      } catch (error) {
        throw asNetworkError(error, what);
      }
    })(),
    { objectMode: false },
  );
}

