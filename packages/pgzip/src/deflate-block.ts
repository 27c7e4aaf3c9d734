import { constants, deflateRaw } from "node:zlib";
import { AbortedError } from "@exp/errors";
import { DeflateWorkerError } from "./errors.js";

/** The window deflate may look back into, and so what each block is primed with. */
export const DICTIONARY_BYTES = 32 * 1024;

/**
 * zlib's output buffer for a block: room for all of it (zlib's compressBound, plus the sync-flush
 * marker), so a block is one deflate() call. On libuv's pool every filled output buffer is a trip
 * back to this thread before zlib goes on; with Node's 16 KiB default a 512 KiB block made ~15 of
 * them, and the pool's threads idled while this thread was busy (1.48x one stream on 2 cores
 * against 2.09x for workers, which deflate synchronously). It also fixes the bytes at level 0,
 * where zlib cuts stored blocks where the output buffer fills and Node's sync (worker) and async
 * calls refill a buffer differently (a 256 KiB block once came out 5 bytes apart). At levels 1–9
 * the buffer's size changes nothing (270 cases of sizes, levels, flushes and data checked).
 */
export function outputChunkBytes(inputBytes: number): number {
  return inputBytes + (inputBytes >>> 12) + (inputBytes >>> 14) + (inputBytes >>> 25) + 64;
}

/** One block of a parallel gzip stream, deflated on its own (in a worker or on libuv's pool). */
export interface DeflateBlock {
  /** The block's bytes. Given to a worker, its ArrayBuffer is transferred: the caller gives it up. */
  input: Uint8Array;
  /** The previous block's last 32 KiB of input; none for the first block. */
  dictionary?: Uint8Array | undefined;
  level: number;
  /**
   * The last block ends the deflate stream (Z_FINISH: BFINAL set). Every other block ends with a
   * sync flush (an empty stored block), so it stops on a byte boundary with BFINAL clear and the
   * next block's bytes can follow it directly, as pigz's do.
   */
  final: boolean;
}

/** A deflated block, with the memory of its input handed back so the next block can reuse it. */
export interface DeflatedBlock {
  output: Buffer;
  /** The block's input (from a worker, the same memory transferred back). */
  input: Uint8Array;
  dictionary?: Uint8Array | undefined;
}

/** Whatever deflates blocks: zlib on libuv's threads in this process, or a worker pool. */
export interface BlockDeflater {
  deflate(block: DeflateBlock, signal?: AbortSignal): Promise<DeflatedBlock>;
  /** Blocks it deflates at once, when bounded: a stream keeps twice that many in flight. */
  readonly parallelism?: number;
}

/**
 * Deflates on libuv's thread pool (zlib's async API), unbounded: for a stream of one block, where
 * a worker's hop or a shared slot does not pay, and as the reference the others are tested against.
 */
export const inProcessDeflater: BlockDeflater = {
  deflate(block, signal) {
    if (signal?.aborted) return Promise.reject(new AbortedError("deflating a gzip block", signal.reason));
    return new Promise((resolve, reject) => {
      const options = {
        level: block.level,
        chunkSize: outputChunkBytes(block.input.byteLength),
        finishFlush: block.final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
        ...(block.dictionary ? { dictionary: block.dictionary } : {}),
      };
      deflateRaw(block.input, options, (error, output) => (error ? reject(new DeflateWorkerError(error.message, error)) : resolve({ output, input: block.input, dictionary: block.dictionary })));
    });
  },
};
