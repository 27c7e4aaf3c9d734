import { BLOCK, decodeHeaderBlock, isZeroBlock } from "./header-block.js";

/**
 * Whether `bytes` start with a header block Go's tar reader would take as the first entry's:
 * a whole, non-zero block whose checksum and numeric fields are valid. What BuildKit's
 * isArchivePath asks (tar.NewReader(...).Next() without error) to decide that an ADD source is
 * an archive, without reading past the first block.
 */
export function isTarHeader(bytes: Uint8Array): boolean {
  if (bytes.length < BLOCK) return false;
  const block = Buffer.from(bytes.buffer, bytes.byteOffset, BLOCK);
  return !isZeroBlock(block) && typeof decodeHeaderBlock(block) !== "string";
}
