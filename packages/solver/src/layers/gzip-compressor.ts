import type { Transform } from "node:stream";
import { createParallelGzip, inProcessDeflater } from "@exp/pgzip";

/**
 * Layers of at least this many bytes (or of unknown size) are deflated on every core, in
 * @exp/pgzip's shared worker pool; smaller ones one block at a time on libuv's pool, as one zlib
 * stream would be. Only where the blocks are deflated changes, never the bytes: a layer gives the
 * same blob either way, so this number can be tuned without moving a digest. Measured on 2 cores
 * (`pnpm bench cpu`, bench/OPTIMIZATIONS.md): with the workers running, two 1 MiB blocks already
 * beat one stream; starting them costs 30-80 ms once per process, which a 4 MiB layer
 * (~70 ms on one core) just earns back.
 */
export const PARALLEL_GZIP_MIN_BYTES = 4 * 1024 * 1024;

/**
 * A layer's gzip compressor: pigz-style blocks (1 MiB, each primed with the last 32 KiB of the
 * one before), joined into one member. A layer of 1 MiB or less comes out exactly as Node's
 * `createGzip` made it before (at compression-level 0, only up to 16 KiB); a larger one as one
 * valid gzip member whose bytes depend on its tar and the level alone, not on the machine's cores.
 */
export function createGzipCompressor(level: number | undefined, options: { size?: number | undefined; signal?: AbortSignal | undefined } = {}): Transform {
  const small = options.size !== undefined && options.size < PARALLEL_GZIP_MIN_BYTES;
  return createParallelGzip({
    // zlib's Z_DEFAULT_COMPRESSION is level 6, header included, so the default gives the same bytes.
    level: level ?? 6,
    ...(small ? { deflater: inProcessDeflater, maxInFlight: 1 } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
