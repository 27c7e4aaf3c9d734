import { InvalidOptionError, MissingOptionError, UnknownOptionError } from "@exp/errors";
import { registerAttrReads } from "./attr-reads.js";
import { DurationError, parseGoDuration } from "./go-duration.js";

/**
 * Reads buildx-style string attributes (`type=image,push=true,...`) for one component and
 * rejects every key it was not told about, so a typo never silently does nothing.
 * Keys ending in "." or "[" in `known` are prefixes (e.g. "annotation." accepts "annotation.foo",
 * "annotation-manifest[" accepts "annotation-manifest[linux/amd64].foo").
 */
export class AttrReader {
  private readonly used = new Set<string>();

  constructor(
    readonly component: string,
    private readonly attrs: Readonly<Record<string, string>>,
    private readonly known: readonly string[],
  ) {
    for (const key of Object.keys(attrs)) {
      if (!this.isKnown(key)) throw new UnknownOptionError(component, key, known.map((k) => (k.endsWith(".") ? `${k}<key>` : k.endsWith("[") ? `${k}<platform>].<key>` : k)));
    }
    registerAttrReads({ component, given: Object.keys(attrs), unread: () => Object.keys(attrs).filter((key) => !this.used.has(key)) });
  }

  private isKnown(key: string): boolean {
    return this.known.some((k) => (k.endsWith(".") || k.endsWith("[") ? key.startsWith(k) && key.length > k.length : key === k));
  }

  has(key: string): boolean {
    return Object.hasOwn(this.attrs, key);
  }

  /** The raw value, or undefined when the key is absent. */
  string(key: string): string | undefined {
    this.used.add(key);
    return Object.hasOwn(this.attrs, key) ? this.attrs[key] : undefined;
  }

  required(key: string, hint: string): string {
    const value = this.string(key);
    if (value === undefined || value === "") throw new MissingOptionError(this.component, key, hint);
    return value;
  }

  /** BuildKit's bools: an empty value means true (`push` alone is `push=true`). */
  bool(key: string, fallback: boolean): boolean {
    const value = this.string(key);
    if (value === undefined) return fallback;
    const normalized = value.trim().toLowerCase();
    if (normalized === "" || normalized === "true" || normalized === "1") return true;
    if (normalized === "false" || normalized === "0") return false;
    throw new InvalidOptionError(this.component, key, value, "true or false");
  }

  oneOf<const T extends string>(key: string, values: readonly T[], fallback: T): T;
  oneOf<const T extends string>(key: string, values: readonly T[]): T | undefined;
  oneOf<const T extends string>(key: string, values: readonly T[], fallback?: T): T | undefined {
    const value = this.string(key);
    if (value === undefined) return fallback;
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new InvalidOptionError(this.component, key, value, `one of ${values.join(", ")}`);
  }

  int(key: string, range: { min: number; max: number }): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const parsed = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max) {
      throw new InvalidOptionError(this.component, key, value, `an integer from ${range.min} to ${range.max}`);
    }
    return parsed;
  }

  /** A Go duration (`10m`, `1h30m`, `90s`: time.ParseDuration, as BuildKit reads one) in milliseconds, above zero. */
  durationMs(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    let nanos: bigint;
    try {
      nanos = parseGoDuration(value.trim());
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      throw new InvalidOptionError(this.component, key, value, `a duration such as "10m" or "1h30m" (${error.message})`);
    }
    if (nanos <= 0n) throw new InvalidOptionError(this.component, key, value, 'a duration above zero, such as "10m"');
    return Number(nanos / 1_000_000n);
  }

  /** Every key/value under a prefix, with the prefix stripped ("annotation.a=b" -> {a: "b"}). */
  prefixed(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.attrs)) {
      if (key.startsWith(prefix) && key.length > prefix.length) {
        this.used.add(key);
        out[key.slice(prefix.length)] = value;
      }
    }
    return out;
  }

  /** Every key/value whose key starts with `prefix`, keys whole ("annotation" gives "annotation-index.a" too). */
  startingWith(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.attrs)) {
      if (!key.startsWith(prefix)) continue;
      this.used.add(key);
      out[key] = value;
    }
    return out;
  }
}
