// Numbers in a tar header: octal text, or, when that does not fit, GNU's base-256 (first byte
// 0x80 for positive, 0xff for negative two's complement), which Go's archive/tar and GNU tar read.

/**
 * `digits` octal digits and a space, as tar-stream writes every numeric field (so layers written
 * before exp had its own tar writer keep their bytes and digests); undefined when it does not fit.
 */
export function octalField(value: number, digits: number): string | undefined {
  if (!Number.isSafeInteger(value) || value < 0) return undefined;
  const text = value.toString(8);
  return text.length > digits ? undefined : `${text.padStart(digits, "0")} `;
}

/** Writes `value` as base-256 into `length` bytes of `block` at `offset`. */
export function writeBase256(block: Buffer, offset: number, length: number, value: number): void {
  let rest = BigInt(value);
  block[offset] = value < 0 ? 0xff : 0x80;
  for (let i = length - 1; i > 0; i--) {
    block[offset + i] = Number(BigInt.asUintN(8, rest));
    rest >>= 8n;
  }
}

/**
 * A numeric field: base-256 when its first byte has the high bit set, otherwise octal digits
 * between optional leading spaces or NULs and a space or NUL terminator. Undefined when the field
 * holds anything else, or a number beyond 2^53.
 */
export function readNumber(field: Buffer): number | undefined {
  if (field.length === 0) return 0;
  const first = field[0] as number;
  if (first & 0x80) return readBase256(field);
  let start = 0;
  while (start < field.length && (field[start] === 0x20 || field[start] === 0)) start++;
  let end = start;
  while (end < field.length && field[end] !== 0x20 && field[end] !== 0) end++;
  // After the terminator only spaces and NULs may follow.
  for (let i = end; i < field.length; i++) if (field[i] !== 0x20 && field[i] !== 0) return undefined;
  if (start === end) return 0;
  const text = field.toString("latin1", start, end);
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = Number.parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

function readBase256(field: Buffer): number | undefined {
  const negative = field[0] === 0xff;
  if (!negative && field[0] !== 0x80) return undefined;
  let value = 0n;
  for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(negative ? 0xff - (field[i] as number) : (field[i] as number));
  const result = negative ? -(value + 1n) : value;
  return result > BigInt(Number.MAX_SAFE_INTEGER) || result < BigInt(Number.MIN_SAFE_INTEGER) ? undefined : Number(result);
}
