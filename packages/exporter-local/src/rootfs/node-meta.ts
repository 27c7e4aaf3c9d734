/** The metadata a tar header gives every entry, as it will be written out. */
export interface NodeMeta {
  /** Permission bits including setuid, setgid and sticky (0..0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Already clamped to SOURCE_DATE_EPOCH when one is set. */
  mtimeMs: number;
}

/** mtime policy of an export: later times are clamped to the epoch, when there is one. */
export function clampMtime(mtimeMs: number, epochSeconds: number | undefined): number {
  const ms = Math.max(0, mtimeMs);
  return epochSeconds === undefined ? ms : Math.min(ms, epochSeconds * 1000);
}

/**
 * The mtime of directories no tar entry describes (implied parents, per-platform directories).
 * A fixed value rather than "now" so two exports of the same result are identical; BuildKit also
 * gives its per-platform directories the epoch, or time zero.
 */
export function syntheticMtime(epochSeconds: number | undefined): number {
  return (epochSeconds ?? 0) * 1000;
}
