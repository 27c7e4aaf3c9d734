import { constants, deflateRaw } from "node:zlib";
import { AbortedError } from "@exp/errors";
import { DeflateWorkerError } from "./errors.js";

/** The window deflate may look back into, and so what each block is primed with. */
export const DICTIONARY_BYTES = 32 * 1024;

/**
 * zlib's output buffer for a block: room for all of it (zlib's compressBound, plus the sync-flush
 * marker), so a block is always one deflate() call. That makes the bytes the same wherever the
 * block runs: at level 0 zlib cuts stored blocks where the output buffer fills, and Node's sync
 * API (the workers) and async API (this process) refill that buffer differently, so with Node's
 * 16 KiB default a 256 KiB block came out 5 bytes longer one way than the other.
 */
export function outputBound(inputBytes: number): number {
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

/** Whatever deflates blocks: a worker pool, or zlib on libuv's threads in this process. */
export interface BlockDeflater {
  deflate(block: DeflateBlock, signal?: AbortSignal): Promise<Buffer>;
}

/**
 * Deflates on libuv's thread pool (zlib's async API) without any worker: for a stream of one
 * block, where a worker's hop does not pay, and as the reference the worker pool is tested against.
 */
export const inProcessDeflater: BlockDeflater = {
  deflate(block, signal) {
    if (signal?.aborted) return Promise.reject(new AbortedError("deflating a gzip block", signal.reason));
    return new Promise((resolve, reject) => {
      const options = {
        level: block.level,
        chunkSize: outputBound(block.input.byteLength),
        finishFlush: block.final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
        ...(block.dictionary ? { dictionary: block.dictionary } : {}),
      };
      deflateRaw(block.input, options, (error, output) => (error ? reject(new DeflateWorkerError(error.message, error)) : resolve(output)));
    });
  },
};
