import { describe, expect, it } from "vitest";
import { octalField, readNumber, writeBase256 } from "./numeric-field.js";

describe("octalField", () => {
  it("writes tar-stream's layout: the digits padded with zeros, then a space", () => {
    expect(octalField(0o644, 6)).toBe("000644 ");
    expect(octalField(0o777777, 6)).toBe("777777 ");
    expect(octalField(0, 11)).toBe("00000000000 ");
  });
  it("refuses what does not fit, negatives and fractions", () => {
    expect(octalField(0o1000000, 6)).toBeUndefined();
    expect(octalField(-1, 6)).toBeUndefined();
    expect(octalField(1.5, 6)).toBeUndefined();
  });
});

describe("readNumber", () => {
  const field = (text: string, length = 8) => Buffer.concat([Buffer.from(text, "latin1"), Buffer.alloc(Math.max(0, length - text.length))]);
  it("reads octal between leading spaces or NULs and a space or NUL", () => {
    expect(readNumber(field("000644 \0"))).toBe(0o644);
    expect(readNumber(field("  644\0"))).toBe(0o644);
    expect(readNumber(field("0000644", 7))).toBe(0o644);
    expect(readNumber(field(""))).toBe(0);
  });
  it("refuses a non-octal digit and text after the terminator", () => {
    expect(readNumber(field("000648 "))).toBeUndefined();
    expect(readNumber(field("644 x"))).toBeUndefined();
  });
  it("reads base-256, positive and negative, as written", () => {
    for (const value of [0, 1, 0o77777777777 + 1, 2 ** 40 + 3, -1, -(2 ** 33)]) {
      const block = Buffer.alloc(12);
      writeBase256(block, 0, 12, value);
      expect(readNumber(block)).toBe(value);
    }
  });
  it("refuses base-256 beyond a safe integer instead of rounding it", () => {
    const block = Buffer.alloc(12, 0xff);
    block[0] = 0x80;
    expect(readNumber(block)).toBeUndefined();
  });
});
