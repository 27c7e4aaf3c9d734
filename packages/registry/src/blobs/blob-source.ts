import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { BlobSource, Digest } from "@exp/oci-spec";

export type { BlobSource };

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
