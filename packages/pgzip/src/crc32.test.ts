import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, crc32Fallback } from "./crc32.js";
import { noise } from "./test/support.js";

describe("crc32", () => {
  it("gives the check value of CRC-32/ISO-HDLC", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32Fallback(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32Fallback(Buffer.alloc(0))).toBe(0);
  });

  it("the fallback agrees with zlib's on every length and continues from a value", () => {
    const data = noise(10_000);
    const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
    for (const length of [1, 7, 8, 9, 15, 16, 17, 1000, 10_000]) {
      const part = data.subarray(0, length);
      if (native) expect(crc32Fallback(part)).toBe(native(part));
      // CRC of the whole equals CRC continued across any cut, which is how blocks use it.
      expect(crc32Fallback(part.subarray(3), crc32Fallback(part.subarray(0, 3)))).toBe(crc32Fallback(part));
    }
    // And the gzip trailer Node writes holds the same CRC.
    const gz = zlib.gzipSync(data);
    expect(crc32Fallback(data)).toBe(gz.readUInt32LE(gz.length - 8));
  });
});
