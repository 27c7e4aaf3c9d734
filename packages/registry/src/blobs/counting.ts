/**
 * Passes chunks through and reports the running byte count (upload/download progress), counted
 * from `start` for a stream that begins part way into its blob.
 */
export async function* counting(
  source: AsyncIterable<Uint8Array>,
  onBytes: ((bytes: number) => void) | undefined,
  start = 0,
): AsyncGenerator<Uint8Array> {
  let total = start;
  for await (const chunk of source) {
    total += chunk.byteLength;
    onBytes?.(total);
    yield chunk;
  }
}

/**
 * Cuts one stream into consecutive slices of at most `size` bytes without copying it into memory
 * as a whole: each slice is an async iterable that pulls from the shared source until it has its
 * bytes, keeping the remainder of the last chunk for the next slice.
 */
export class Slicer {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Uint8Array | undefined;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async *slice(size: number): AsyncGenerator<Uint8Array> {
    let left = size;
    while (left > 0) {
      let chunk = this.pending;
      this.pending = undefined;
      if (!chunk) {
        const next = await this.iterator.next();
        if (next.done) return;
        chunk = next.value;
      }
      if (chunk.byteLength > left) {
        this.pending = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.byteLength;
      yield chunk;
    }
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}
