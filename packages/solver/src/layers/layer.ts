import type { Readable } from "node:stream";
import type { Descriptor, Digest } from "@exp/oci-spec";

/**
 * One filesystem diff. It is identified by its diffID (the digest of the uncompressed tar);
 * compressed blobs are variants of it, made on demand by LayerBlobs and kept in the content store.
 */
export interface Layer {
  readonly diffID: Digest;
  /** Size of the uncompressed tar in bytes, when known (a base image's config does not say). */
  readonly size?: number;
  readonly createdAt?: Date;
  /** What made it, e.g. the Dockerfile instruction; goes into image history. */
  readonly description?: string;
  /** Blobs of this layer that exist elsewhere already (a base image's layer in a registry). */
  readonly knownBlobs?: readonly Descriptor[];
  /** Where `knownBlobs` live, so a push to the same registry can mount instead of upload. */
  readonly origin?: { readonly registry: string; readonly repository: string };
  /**
   * Makes sure `knownBlobs[0]` is in the local content store (downloading it if needed) and holds
   * it under `lease`. Layers without known blobs do not have it.
   */
  fetchBlob?(options: { signal?: AbortSignal; lease?: string }): Promise<void>;
  /**
   * The bytes of `knownBlobs[0]`: from the store when it holds them, else fetched and stored on
   * the way (under `lease`), so a push of a base layer to another registry streams it through
   * instead of waiting for the whole copy first. Fails at the end if they do not match the digest.
   */
  openBlob?(options: { signal?: AbortSignal; lease?: string }): Promise<Readable>;
  /** Streams the uncompressed tar. Called only when a blob must actually be made. */
  openTar(options: { signal?: AbortSignal }): Promise<Readable>;
}
