import { describe, expect, it } from "vitest";
import { DurationError, formatGoDuration, parseGoDuration } from "./go-duration.js";

describe("parseGoDuration (Go's time.ParseDuration)", () => {
  it.each([
    ["0", 0n],
    ["30s", 30_000_000_000n],
    ["1m30s", 90_000_000_000n],
    ["1.5h", 5_400_000_000_000n],
    ["2h45m", 9_900_000_000_000n],
    ["500ms", 500_000_000n],
    ["10us", 10_000n],
    ["10\u00b5s", 10_000n],
    ["7ns", 7n],
    [".5s", 500_000_000n],
    ["1.s", 1_000_000_000n],
    ["-1s", -1_000_000_000n],
    ["+3m", 180_000_000_000n],
  ])("%s → %s ns", (text, nanos) => {
    expect(parseGoDuration(text)).toBe(nanos);
  });

  it.each(["", "5", "1d", "s", ".s", "1m 30s", "abc"])("rejects %j", (text) => {
    expect(() => parseGoDuration(text)).toThrow(DurationError);
  });
});

describe("formatGoDuration (Go's Duration.String)", () => {
  it.each([
    [0n, "0s"],
    [1n, "1ns"],
    [1_500n, "1.5\u00b5s"],
    [1_500_000n, "1.5ms"],
    [1_000_000_000n, "1s"],
    [1_500_000_000n, "1.5s"],
    [90_000_000_000n, "1m30s"],
    [3_600_000_000_000n, "1h0m0s"],
    [3_723_000_000_001n, "1h2m3.000000001s"],
    [-30_000_000_000n, "-30s"],
  ])("%s ns → %s", (nanos, text) => {
    expect(formatGoDuration(nanos)).toBe(text);
  });
});
