import type { Readable } from "node:stream";
import type { Descriptor } from "@exp/oci-spec";

/** Where an image's blobs come from: a registry repository or an OCI layout directory. */
export interface BlobFetcher {
  /** Streams a blob, verified against the descriptor's digest and size. */
  fetch(descriptor: Pick<Descriptor, "digest" | "size">, options: { signal?: AbortSignal }): Promise<Readable>;
  /** Reads a small document (manifest, index, config) whole, verified; capped at 4 MiB. */
  fetchDocument(descriptor: Pick<Descriptor, "digest" | "size" | "mediaType">, options: { signal?: AbortSignal }): Promise<Buffer>;
  /** The top-level manifest or index the reference names. */
  root(options: { signal?: AbortSignal }): Promise<{ descriptor: Descriptor; bytes: Buffer }>;
  /** For mounts: the registry repository the blobs live in, if any. */
  readonly origin?: { registry: string; repository: string };
  /** Names the source in messages. */
  readonly name: string;
}
