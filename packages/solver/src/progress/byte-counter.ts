import { Transform, type TransformCallback } from "node:stream";

/**
 * A pass-through stream that reports how many bytes went through it, at most every
 * `everyBytes` bytes (a report per 16 KiB chunk would flood the progress with events).
 */
export class ByteCounter extends Transform {
  total = 0;
  private reported = 0;

  constructor(
    private readonly onBytes: (total: number) => void,
    private readonly everyBytes = 1 << 20,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.total += chunk.length;
    if (this.total - this.reported >= this.everyBytes) {
      this.reported = this.total;
      this.onBytes(this.total);
    }
    callback(null, chunk);
  }
}
