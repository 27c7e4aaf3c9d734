import { InvalidArgumentError } from "commander";

/** buildx's `--reserved-space`, `--max-used-space`, `--min-free-space` (bytes; 0 or absent: not set). */
export interface SpaceLimits {
  reservedSpace?: number;
  maxUsedSpace?: number;
  minFreeSpace?: number;
}

const multipliers: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * A size as docker's flags take them (go-units RAMInBytes): `128mb`, `2gb`, `512k`, `1.5GiB`,
 * `1000`; units are case-insensitive and binary (1kb = 1024 bytes). For commander.
 */
export function bytesArg(value: string): number {
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError("expected a size such as 10gb, 512mb or 1048576 (units b, k, m, g, t, p; 1kb = 1024 bytes)");
  return Math.floor(Number(match[1]) * multipliers[(match[2] ?? "").toLowerCase()]!);
}

const binaryUnits = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/** A limit as the flags take it back: `2GiB` for `--max-used-space 2gb` (binary, as docker reads it), else bytes. */
export function formatLimit(bytes: number): string {
  for (let power = binaryUnits.length; power >= 1; power--) {
    const unit = 1024 ** power;
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${binaryUnits[power - 1]}`;
  }
  return `${bytes}B`;
}

export function hasLimit(limits: SpaceLimits): boolean {
  return Boolean(limits.reservedSpace || limits.maxUsedSpace || limits.minFreeSpace);
}

/**
 * How many bytes the store may keep, as BuildKit's calculateKeepBytes decides it: at most
 * `maxUsedSpace`; less if the disk has under `minFreeSpace` free; never below `reservedSpace`.
 * Undefined when no limit is set (remove everything selected). `usedBytes` is what the store uses
 * once unreferenced blobs are gone, `freeBytes` what the disk will have free then.
 */
export function keepBytes(limits: SpaceLimits, usedBytes: number, freeBytes: number): number | undefined {
  const max = limits.maxUsedSpace ?? 0;
  const minFree = limits.minFreeSpace ?? 0;
  const reserved = limits.reservedSpace ?? 0;
  if (max === 0 && minFree === 0 && reserved === 0) return undefined;
  let keep = max;
  const excess = minFree - freeBytes;
  if (minFree > 0 && excess > 0) keep = keep === 0 ? usedBytes - excess : Math.min(keep, usedBytes - excess);
  else if (minFree > 0 && keep === 0) keep = usedBytes; // enough free already: nothing to remove for it
  return Math.max(keep, reserved);
}
