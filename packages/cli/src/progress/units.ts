export { progressBytes } from "@exp/solver";

/** A duration in seconds with one decimal, as BuildKit's `%.1fs`. */
export function progressSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}
