const unitNanos: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n, // µ (micro sign)
  "\u03bcs": 1_000n, // μ (Greek mu)
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Thrown with the reason only; the caller names the flag and the value. */
export class DurationError extends Error {}

/**
 * Go's time.ParseDuration (`300ms`, `1.5h`, `2h45m`, `-1s`, `0`), in nanoseconds. HEALTHCHECK
 * durations are written in this syntax, so accept exactly what Docker accepts.
 */
export function parseGoDuration(text: string): bigint {
  let s = text;
  let negative = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    negative = s.startsWith("-");
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw new DurationError("it is empty");
  let total = 0n;
  while (s !== "") {
    const match = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole = "", intPart = "", fracPart] = match;
    if (intPart === "" && (fracPart === undefined || fracPart === "")) throw new DurationError(`expected a number at ${JSON.stringify(s)}`);
    s = s.slice(whole.length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === "") throw new DurationError("a number has no unit");
    const scale = unitNanos[unit];
    if (scale === undefined) throw new DurationError(`unknown unit ${JSON.stringify(unit)}`);
    s = s.slice(unit.length);
    total += BigInt(intPart || "0") * scale;
    if (fracPart) total += (BigInt(fracPart) * scale) / 10n ** BigInt(fracPart.length);
  }
  if (total > 9_223_372_036_854_775_807n) throw new DurationError("it overflows a 64-bit count of nanoseconds");
  return negative ? -total : total;
}

/** Go's time.Duration.String (`1m30s`, `1.5s`, `500ms`, `0s`), as BuildKit prints it in history. */
export function formatGoDuration(nanos: bigint): string {
  if (nanos === 0n) return "0s";
  const negative = nanos < 0n;
  let u = negative ? -nanos : nanos;
  let out: string;
  if (u < 1_000_000_000n) {
    // Below a second, use the largest unit below it (ns, µs, ms) with a fraction.
    const [unit, precision]: [string, number] = u < 1_000n ? ["ns", 0] : u < 1_000_000n ? ["\u00b5s", 3] : ["ms", 6];
    out = formatFraction(u, precision) + unit;
  } else {
    const nanosPart = (u % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
    u /= 1_000_000_000n;
    out = `${u % 60n}${nanosPart ? `.${nanosPart}` : ""}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}

/** `v / 10^precision` with the fraction's trailing zeros (and a bare ".") dropped. */
function formatFraction(v: bigint, precision: number): string {
  const scale = 10n ** BigInt(precision);
  const whole = v / scale;
  const fraction = (v % scale).toString().padStart(precision, "0").replace(/0+$/, "");
  return fraction === "" ? `${whole}` : `${whole}.${fraction}`;
}
