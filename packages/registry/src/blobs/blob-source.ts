import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { BlobSource, Digest } from "@exp/oci-spec";

export type { BlobSource };

export function fileBlobSource(path: string, digest: Digest, size: number): BlobSource {
  const from = (start: number, signal: AbortSignal | undefined) => createReadStream(path, { start, highWaterMark: 256 * 1024, ...(signal ? { signal } : {}) });
  return { digest, size, open: async ({ signal }) => from(0, signal), openFrom: async (start, { signal }) => from(start, signal) };
}

export function bytesBlobSource(bytes: Uint8Array, digest: Digest): BlobSource {
  return {
    digest,
    size: bytes.byteLength,
    open: async () => once(bytes),
    openFrom: async (start) => once(bytes.subarray(start)),
  };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
