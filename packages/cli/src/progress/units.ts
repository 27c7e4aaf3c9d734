const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/**
 * A byte count as BuildKit's progress prints it (`fmt.Sprintf("%.2f", units.Bytes(n))`,
 * tonistiigi/units): whole bytes below 1000, else two decimals of the decimal unit: `120B`,
 * `1.23kB`, `3.40MB`.
 */
export function progressBytes(n: number): string {
  let unit = 0;
  while (unit < units.length - 1 && Math.abs(n) >= 1000 ** (unit + 1)) unit++;
  return unit === 0 ? `${n}B` : `${(n / 1000 ** unit).toFixed(2)}${units[unit]}`;
}

/** A duration in seconds with one decimal, as BuildKit's `%.1fs`. */
export function progressSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}
