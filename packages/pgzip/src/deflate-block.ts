import { constants, deflateRaw } from "node:zlib";
import { AbortedError } from "@exp/errors";
import { DeflateWorkerError } from "./errors.js";

/** The window deflate may look back into, and so what each block is primed with. */
export const DICTIONARY_BYTES = 32 * 1024;

/**
 * zlib's output buffer size for a block. It must be the same wherever a block is deflated: at
 * level 0 zlib cuts stored blocks where the output buffer fills, so another size gives other bytes.
 */
export const DEFLATE_CHUNK_BYTES = 64 * 1024;

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
        chunkSize: DEFLATE_CHUNK_BYTES,
        finishFlush: block.final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
        ...(block.dictionary ? { dictionary: block.dictionary } : {}),
      };
      deflateRaw(block.input, options, (error, output) => (error ? reject(new DeflateWorkerError(error.message, error)) : resolve(output)));
    });
  },
};
