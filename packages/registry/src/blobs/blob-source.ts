import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { Digest } from "@exp/oci-spec";

/**
 * What an upload reads from. It must be rewindable: an upload that fails mid-body restarts its
 * session and calls `open()` again. A file or a content-store blob is; a one-shot stream is not.
 */
export interface BlobSource {
  readonly digest: Digest;
  readonly size: number;
  open(options: { signal?: AbortSignal }): Promise<Readable | AsyncIterable<Uint8Array>>;
}

export function fileBlobSource(path: string, digest: Digest, size: number): BlobSource {
  return { digest, size, open: async ({ signal }) => createReadStream(path, { highWaterMark: 256 * 1024, ...(signal ? { signal } : {}) }) };
}

export function bytesBlobSource(bytes: Uint8Array, digest: Digest): BlobSource {
  return {
    digest,
    size: bytes.byteLength,
    open: async () =>
      (async function* () {
        yield bytes;
      })(),
  };
}
