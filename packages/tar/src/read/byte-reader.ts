/**
 * Reads exact byte counts from an async iterable of chunks, keeping count of the bytes consumed
 * (`position`), without copying when a read falls inside one chunk.
 */
export class ByteReader {
  /** Bytes consumed so far. */
  position = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Exactly `count` bytes; fewer only when the source ended first (then all that was left). */
  async read(count: number): Promise<Buffer> {
    while (this.buffered < count && (await this.pull()));
    const take = Math.min(count, this.buffered);
    const first = this.chunks[0];
    if (first && first.length >= take) return this.consumeFrom(first, take);
    const parts: Buffer[] = [];
    let missing = take;
    while (missing > 0) {
      const chunk = this.chunks[0] as Buffer;
      const piece = this.consumeFrom(chunk, Math.min(missing, chunk.length));
      parts.push(piece);
      missing -= piece.length;
    }
    return Buffer.concat(parts, take);
  }

  /** Up to `max` bytes, as soon as any are there; an empty buffer when the source has ended. */
  async readSome(max: number): Promise<Buffer> {
    if (this.buffered === 0) await this.pull();
    const first = this.chunks[0];
    if (!first) return Buffer.alloc(0);
    return this.consumeFrom(first, Math.min(max, first.length));
  }

  /** Skips `count` bytes; returns how many could be skipped before the source ended. */
  async skip(count: number): Promise<number> {
    let skipped = 0;
    while (skipped < count) {
      const piece = await this.readSome(count - skipped);
      if (piece.length === 0) break;
      skipped += piece.length;
    }
    return skipped;
  }

  /** Reads the source to its end, discarding the bytes (with an abort check between chunks). */
  async drain(check: () => void): Promise<void> {
    this.position += this.buffered;
    this.chunks = [];
    this.buffered = 0;
    while (await this.pull()) {
      check();
      this.position += this.buffered;
      this.chunks = [];
      this.buffered = 0;
    }
  }

  /** Stops reading the source (a Readable's iterator destroys the stream). */
  async close(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }

  private consumeFrom(chunk: Buffer, count: number): Buffer {
    const piece = chunk.subarray(0, count);
    if (count === chunk.length) this.chunks.shift();
    else this.chunks[0] = chunk.subarray(count);
    this.buffered -= count;
    this.position += count;
    return piece;
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const value = next.value;
      if (value.byteLength === 0) continue;
      this.chunks.push(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      this.buffered += value.byteLength;
      return true;
    }
  }
}
