import { Transform, type TransformCallback } from "node:stream";
import { AbortedError } from "@exp/errors";
import { crc32 } from "./crc32.js";
import { DICTIONARY_BYTES, inProcessDeflater, type BlockDeflater, type DeflatedBlock } from "./deflate-block.js";
import { gzipHeader, gzipTrailer } from "./gzip-frame.js";
import { sharedLibuvDeflater } from "./libuv-deflater.js";
import { checkBlockSize, checkInFlight, checkLevel, DEFAULT_BLOCK_BYTES, DEFAULT_LEVEL } from "./options.js";

export interface ParallelGzipOptions {
  /** 0–9, as gzip's; default 6. */
  level?: number;
  /** Input bytes per block (32 KiB to 64 MiB); default 512 KiB. Part of the format: it changes the bytes. */
  blockSize?: number;
  /** Where blocks are deflated; default the process's LibuvDeflater. Never changes the bytes. */
  deflater?: BlockDeflater;
  /**
   * Blocks of this stream given out and not yet written; default twice the deflater's parallelism
   * (4 if it has none). Each holds its input and output in memory; on 2 cores one more than the
   * parallelism made 1.86x one stream, twice it 2.01x, for ~6 MiB more at 4 streams at once.
   */
  maxInFlight?: number;
  /** Aborting destroys the stream with AbortedError (ERR_ABORTED). */
  signal?: AbortSignal;
}

/**
 * A gzip compressor (a Transform: bytes in, one gzip member out) that deflates fixed-size blocks
 * on several threads (libuv's pool by default, or a DeflatePool's workers) and joins them, as pigz
 * does: each block is primed with the previous block's last 32 KiB of input as its dictionary, so
 * matches still reach back across the seam, and ends on a byte boundary (a sync flush), the last
 * one with Z_FINISH. The CRC-32 and length are computed here as the blocks pass. Any gzip reader
 * reads the result as one ordinary member.
 *
 * The bytes depend on the input, the level and the block size alone: the input is re-cut into
 * blocks at fixed offsets whatever chunks it arrives in, and a block's deflate depends only on its
 * bytes, its dictionary and whether it is last, never on which thread ran it or when. An input of
 * one block or less is one deflate stream with the header Node's `createGzip` writes, so at levels
 * 1–9 it comes out byte for byte as `createGzip` makes it; it is deflated on libuv's pool
 * whatever the deflater, without a worker's hop or a wait for a shared slot.
 *
 * Memory is bounded: one block filling, at most `maxInFlight` blocks being deflated, and the
 * readable side's buffer (the writable side waits while it is full). Block and dictionary buffers
 * come back from the deflater and are filled again rather than allocated per block.
 */
export function createParallelGzip(options: ParallelGzipOptions = {}): Transform {
  return new ParallelGzip(options);
}

class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly blockSize: number;
  private readonly deflater: BlockDeflater;
  private readonly maxInFlight: number;
  private readonly stop = new AbortController();
  private readonly inFlight: Array<Promise<DeflatedBlock>> = [];
  /** Block and dictionary buffers handed back by the deflater, to fill again. */
  private readonly spareBlocks: Buffer[] = [];
  private readonly spareDictionaries: Buffer[] = [];
  private block: Buffer;
  private filled = 0;
  private dictionary: Uint8Array | undefined;
  private blocks = 0;
  private crc = 0;
  private size = 0;
  private readonly onAbort: (() => void) | undefined;

  constructor(private readonly options: ParallelGzipOptions) {
    super();
    this.level = checkLevel(options.level ?? DEFAULT_LEVEL);
    this.blockSize = checkBlockSize(options.blockSize ?? DEFAULT_BLOCK_BYTES);
    this.deflater = options.deflater ?? sharedLibuvDeflater();
    this.maxInFlight = checkInFlight(options.maxInFlight ?? 2 * (this.deflater.parallelism ?? 2));
    this.block = Buffer.allocUnsafeSlow(this.blockSize);
    const signal = options.signal;
    if (signal) {
      this.onAbort = () => this.destroy(new AbortedError("gzip compression", signal.reason));
      if (signal.aborted) process.nextTick(this.onAbort);
      else signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.append(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Blocks already deflating finish and are dropped; blocks waiting for a slot give up.
    this.stop.abort();
    if (this.onAbort) this.options.signal?.removeEventListener("abort", this.onAbort);
    callback(error);
  }

  private async append(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      // A full block is sent only once more input arrives: until then it may be the last one.
      if (this.filled === this.blockSize) await this.submit(false);
      const n = Math.min(chunk.length - offset, this.blockSize - this.filled);
      this.block.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
    }
  }

  private async finish(): Promise<void> {
    await this.submit(true);
    while (this.inFlight.length > 0) this.written(await this.inFlight.shift()!);
    this.output(gzipTrailer(this.crc, this.size));
  }

  private async submit(final: boolean): Promise<void> {
    if (this.blocks === 0) this.output(gzipHeader(this.level));
    const input = this.block.subarray(0, this.filled);
    this.crc = crc32(input, this.crc);
    this.size += this.filled;
    const dictionary = this.dictionary;
    if (!final) {
      // The next block's dictionary is copied out: this block's memory may go to a worker.
      this.dictionary = this.spareDictionaries.pop() ?? Buffer.allocUnsafeSlow(DICTIONARY_BYTES);
      this.dictionary.set(input.subarray(input.length - DICTIONARY_BYTES));
      this.block = this.spareBlocks.pop() ?? Buffer.allocUnsafeSlow(this.blockSize);
      this.filled = 0;
    }
    const deflater = final && this.blocks === 0 ? inProcessDeflater : this.deflater;
    this.blocks++;
    const job = deflater.deflate({ input, dictionary, level: this.level, final }, this.stop.signal);
    // A failed block fails the stream at once, not when its turn to be written comes.
    job.catch((error: unknown) => this.destroy(error as Error));
    this.inFlight.push(job);
    while (this.inFlight.length >= this.maxInFlight) this.written(await this.inFlight.shift()!);
  }

  /** Writes a block's output and keeps its input and dictionary memory for a later block. */
  private written(done: DeflatedBlock): void {
    this.output(done.output);
    const block = done.input.buffer;
    if (block.byteLength === this.blockSize && block instanceof ArrayBuffer) this.spareBlocks.push(Buffer.from(block));
    const dictionary = done.dictionary?.buffer;
    if (dictionary?.byteLength === DICTIONARY_BYTES && dictionary instanceof ArrayBuffer) this.spareDictionaries.push(Buffer.from(dictionary));
  }

  private output(bytes: Buffer): void {
    if (this.destroyed) throw new AbortedError("gzip compression");
    this.push(bytes);
  }
}
