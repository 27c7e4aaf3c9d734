const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/**
 * A byte count as BuildKit's progress prints it (`fmt.Sprintf("%.2f", units.Bytes(n))`,
 * tonistiigi/units): whole bytes below 1000, else two decimals of the decimal unit: `120B`,
 * `1.23kB`, `3.40MB`. For sizes in step names and status lines, so every UI agrees.
 */
export function progressBytes(n: number): string {
  let unit = 0;
  while (unit < units.length - 1 && Math.abs(n) >= 1000 ** (unit + 1)) unit++;
  return unit === 0 ? `${n}B` : `${(n / 1000 ** unit).toFixed(2)}${units[unit]}`;
}
