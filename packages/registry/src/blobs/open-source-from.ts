import type { BlobSource } from "@exp/oci-spec";

/**
 * The source's bytes from `start` on: its own `openFrom` where it has one, otherwise `open()` with
 * the first `start` bytes read and dropped (read again from the source, never sent again).
 */
export async function openSourceFrom(source: BlobSource, start: number, options: { signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>> {
  if (start === 0) return source.open(options);
  if (source.openFrom) return source.openFrom(start, options);
  return skip(await source.open(options), start);
}

async function* skip(stream: AsyncIterable<Uint8Array>, bytes: number): AsyncGenerator<Uint8Array> {
  let left = bytes;
  for await (const chunk of stream) {
    if (left >= chunk.byteLength) {
      left -= chunk.byteLength;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}
