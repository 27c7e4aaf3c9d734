/**
 * The gzip member around the deflate stream (RFC 1952). Every field is fixed so the bytes depend
 * on the input and the level alone: MTIME 0 (no time), no name or comment (FLG 0), OS 3 (Unix)
 * whatever the host, and XFL as zlib sets it for the level. That is the header Node's own
 * `createGzip` writes on Unix, so a layer of one block is byte for byte what it made before.
 */
export function gzipHeader(level: number): Buffer {
  // zlib's deflate.c: XFL 2 for the slowest level, 4 for the fastest (and for level 0), else 0.
  const xfl = level === 9 ? 2 : level < 2 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}

/** CRC-32 and ISIZE (the input's length modulo 2^32), both little-endian. */
export function gzipTrailer(crc: number, size: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  return trailer;
}
