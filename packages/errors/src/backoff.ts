/**
 * The wait before retry number `retry` (1-based) as every exp client backs off (the registry, S3,
 * Azure Blob Storage, GitHub's cache service): doubling from `baseDelayMs`, capped at `maxDelayMs`,
 * a random part of it in [delay/2, delay] so that clients failing together do not retry together.
 */
export function jitteredBackoff(policy: { baseDelayMs: number; maxDelayMs: number }, retry: number, random: () => number = Math.random): number {
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return delay / 2 + (random() * delay) / 2;
}
