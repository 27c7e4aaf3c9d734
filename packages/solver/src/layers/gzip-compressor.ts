import type { Transform } from "node:stream";
import { createParallelGzip } from "@exp/pgzip";

/**
 * A layer's gzip compressor: @exp/pgzip's blocks (512 KiB, each primed with the last 32 KiB of the
 * one before, deflated on libuv's pool, one more at once than there are cores), joined into one
 * gzip member whose bytes depend on the tar and the level alone, not on the cores. A layer of one
 * block or less is one deflate stream, byte for byte what Node's `createGzip` made before (at
 * compression-level 0 only up to 16 KiB). Blocks pay from the second one: there is no worker to
 * start, and a block costs no more CPU per MiB than one stream (bench/OPTIMIZATIONS.md), so there
 * is no other size threshold. Every layer shares the process's deflate slots, so several large
 * layers compressing at once do not oversubscribe the cores or fill libuv's pool.
 */
export function createGzipCompressor(level: number | undefined, options: { signal?: AbortSignal | undefined } = {}): Transform {
  return createParallelGzip({
    // zlib's Z_DEFAULT_COMPRESSION is level 6, header included, so the default gives the same bytes.
    level: level ?? 6,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
