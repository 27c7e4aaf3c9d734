export { createParallelGzip, type ParallelGzipOptions } from "./parallel-gzip.js";
export { LibuvDeflater, sharedLibuvDeflater, libuvThreads, type LibuvDeflaterOptions } from "./libuv-deflater.js";
export { DeflatePool, type DeflatePoolOptions } from "./deflate-pool.js";
export { inProcessDeflater, DICTIONARY_BYTES, type BlockDeflater, type DeflateBlock, type DeflatedBlock } from "./deflate-block.js";
export { DEFAULT_BLOCK_BYTES, DEFAULT_LEVEL } from "./options.js";
export { crc32 } from "./crc32.js";
export { gzipHeader, gzipTrailer } from "./gzip-frame.js";
export { PgzipError, DeflateWorkerError, DeflatePoolClosedError } from "./errors.js";
