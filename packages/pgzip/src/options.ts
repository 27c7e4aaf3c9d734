import { InvalidOptionError } from "@exp/errors";
import { DICTIONARY_BYTES } from "./deflate-block.js";

/**
 * Input bytes per block. pigz's default is 128 KiB; here each block costs a zlib stream set up and
 * a round trip to libuv's pool, and larger blocks used less CPU per MiB (against one zlib stream:
 * 128 KiB 1.02, 256 KiB 0.96, 512 KiB 0.93, 1 MiB 0.92), while 4 streams at once peaked ~15 MiB
 * lower with 512 KiB than with 1 MiB blocks (bench/OPTIMIZATIONS.md). Compression stays within 0.1%
 * of one stream. It is part of the format: another size gives other bytes.
 */
export const DEFAULT_BLOCK_BYTES = 512 * 1024;

/** The level Node's zlib means by Z_DEFAULT_COMPRESSION, and gzip's and pigz's default. */
export const DEFAULT_LEVEL = 6;

export function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new InvalidOptionError("pgzip", "level", String(level), "an integer from 0 to 9");
  return level;
}

export function checkBlockSize(bytes: number): number {
  // Each block's dictionary is the previous block's last 32 KiB, so a block must hold that much.
  if (!Number.isInteger(bytes) || bytes < DICTIONARY_BYTES || bytes > 64 * 1024 * 1024) {
    throw new InvalidOptionError("pgzip", "blockSize", String(bytes), `an integer from ${DICTIONARY_BYTES} (32 KiB) to 64 MiB`);
  }
  return bytes;
}

export function checkInFlight(blocks: number): number {
  if (!Number.isInteger(blocks) || blocks < 1) throw new InvalidOptionError("pgzip", "maxInFlight", String(blocks), "an integer of at least 1");
  return blocks;
}
