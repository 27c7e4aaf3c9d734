import { describe, expect, it } from "vitest";
import { median, pairRatios, sampled } from "./stats.js";

describe("bench statistics", () => {
  it("takes the median of odd and even counts without reordering the samples", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it("summarises samples as median, min and max, keeping them in measured order", () => {
    expect(sampled([0.61234, 0.5, 0.55], 2)).toEqual({ median: 0.55, min: 0.5, max: 0.61, samples: [0.61, 0.5, 0.55] });
  });

  it("divides pairs element-wise and refuses lists of different lengths", () => {
    expect(pairRatios([2, 3], [4, 6])).toEqual([0.5, 0.5]);
    expect(() => pairRatios([1], [1, 2])).toThrow(/one length/);
  });
});
