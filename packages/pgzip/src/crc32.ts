import * as zlib from "node:zlib";

/**
 * CRC-32 as gzip's trailer has it (ISO 3309, the polynomial 0xEDB88320), continued from `value`.
 * Node 20.15 added `zlib.crc32`, zlib's own (vectorised, several GB/s here); the floor is Node
 * 20.0, so older versions get the table-driven fallback below (slice-by-8, ~1 GB/s): either way a
 * small share of what deflate costs.
 */
export const crc32: (data: Uint8Array, value?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === "function" ? (zlib as unknown as { crc32: (data: Uint8Array, value?: number) => number }).crc32 : crc32Fallback;

let tables: Int32Array[] | undefined;

/** Eight lookup tables: table k maps a byte to its CRC after k further zero bytes. */
function sliceTables(): Int32Array[] {
  if (tables) return tables;
  const made = Array.from({ length: 8 }, () => new Int32Array(256));
  const first = made[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    first[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = first[n]!;
    for (let t = 1; t < 8; t++) {
      c = first[c & 0xff]! ^ (c >>> 8);
      made[t]![n] = c;
    }
  }
  tables = made;
  return made;
}

/** The same CRC in JavaScript, exported so tests check it against zlib's. */
export function crc32Fallback(data: Uint8Array, value = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = sliceTables() as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  let c = ~value;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
