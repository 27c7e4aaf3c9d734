/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A figure measured several times: what RESULTS.md shows (median, min, max) and the raw samples. */
export interface Sampled {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

/** Summarises repeated measurements, rounded to `digits` (the raw samples too, to keep the JSON readable). */
export function sampled(values: readonly number[], digits = 3): Sampled {
  return {
    median: round(median(values), digits),
    min: round(Math.min(...values), digits),
    max: round(Math.max(...values), digits),
    samples: values.map((v) => round(v, digits)),
  };
}

/** Element-wise a[i] / b[i]: ratios are taken per pair (measured back to back), then summarised. */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`pairRatios needs lists of one length, got ${a.length} and ${b.length}`);
  return a.map((value, i) => value / b[i]!);
}

export function isSampled(value: unknown): value is Sampled {
  return typeof value === "object" && value !== null && "median" in value && "samples" in value;
}
