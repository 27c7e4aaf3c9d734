/** Decimal sizes as docker prints them (go-units HumanSize): 999B, 1.23kB, 45.6MB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)}B`;
  return `${Number(value.toPrecision(3))}${units[unit]}`;
}

/** Seconds with one decimal, as buildx prints step durations: 0.1s, 12.3s. */
export function formatSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** `sha256:0123456789ab` (12 hex digits), or the string itself when it is not a digest. */
export function shortDigest(value: string): string {
  const match = /^(sha256|sha512):([0-9a-f]{12})[0-9a-f]*$/.exec(value);
  return match ? `${match[1]}:${match[2]}` : value;
}

/** Left-aligned columns separated by three spaces, like docker's tables. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** "5 seconds ago", "3 hours ago", as docker prints creation times. */
export function ago(date: Date, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  const steps: Array<[number, string]> = [
    [60, "second"],
    [60, "minute"],
    [24, "hour"],
    [7, "day"],
    [Number.POSITIVE_INFINITY, "week"],
  ];
  let value = seconds;
  for (const [size, name] of steps) {
    if (value < size) return `${value} ${name}${value === 1 ? "" : "s"} ago`;
    value = Math.floor(value / size);
  }
  return date.toISOString();
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A duration like Go's (`24h`, `1h30m`, `90s`, `500ms`) plus days and weeks (`7d`, `2w`), in ms.
 * Undefined when the text is not one.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "" || !/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(match[1]) * durationUnits[match[2]!]!;
  return total;
}
