import { availableParallelism } from "node:os";
import { Semaphore } from "@exp/locks";
import { inProcessDeflater, type BlockDeflater, type DeflateBlock, type DeflatedBlock } from "./deflate-block.js";

/** The threads of libuv's pool, as libuv reads UV_THREADPOOL_SIZE at its first use (default 4). */
export function libuvThreads(): number {
  const set = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(set) && set > 0 ? Math.min(set, 1024) : 4;
}

export interface LibuvDeflaterOptions {
  /**
   * Blocks deflating at once over every stream that shares it. Default: one more than the cores,
   * as a block's completion waits for this thread before the next is queued (on 2 cores, 3 blocks
   * at once made 2.01x one stream, 2 made 1.63x), and always one of libuv's threads fewer than it
   * has, so file reads and writes (which run on the same threads) never queue behind a full pool
   * of deflate work.
   */
  capacity?: number;
}

/**
 * Deflates blocks with zlib's async API, on libuv's thread pool in this process: what
 * `createParallelGzip` uses by default. Against worker threads (DeflatePool) it was about as fast
 * on 2 cores and held less memory: 4 streams at once peaked ~25 MiB lower (bench/OPTIMIZATIONS.md),
 * as each worker is a heap and a thread of its own. Its limit is
 * libuv's pool: 4 threads unless UV_THREADPOOL_SIZE says more, so 3 blocks at once, which on more
 * than 2 cores leaves cores idle unless the process raises that (before its first file or zlib
 * call) or uses a DeflatePool.
 */
export class LibuvDeflater implements BlockDeflater {
  readonly parallelism: number;
  private readonly slots: Semaphore;

  constructor(options: LibuvDeflaterOptions = {}) {
    this.parallelism = Math.max(1, Math.floor(options.capacity ?? Math.min(availableParallelism() + 1, libuvThreads() - 1)));
    this.slots = new Semaphore(this.parallelism, "waiting for a deflate slot");
  }

  async deflate(block: DeflateBlock, signal?: AbortSignal): Promise<DeflatedBlock> {
    const release = await this.slots.acquire(signal);
    try {
      return await inProcessDeflater.deflate(block, signal);
    } finally {
      release();
    }
  }
}

let shared: LibuvDeflater | undefined;

/** The process's LibuvDeflater, made on first use; what streams use unless given another. */
export function sharedLibuvDeflater(): LibuvDeflater {
  shared ??= new LibuvDeflater();
  return shared;
}
