import type { FaultLogEntry } from "@exp/testing";

/**
 * Blob bodies sent to each repository, keyed `<repository> <digest>`: every request that carried
 * blob bytes (a monolithic PUT with `?digest=`, or a PATCH of a chunked session, attributed to the
 * digest its session was closed with), finished or not. Two for one key means the same bytes
 * went to the same repository twice.
 */
export function blobUploads(log: readonly FaultLogEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  const sessionDigest = new Map<string, string>();
  for (const entry of log) {
    const match = /^\/v2\/(.+)\/blobs\/uploads\/([^/?]+)(?:\?(.*))?$/.exec(entry.path);
    if (!match) continue;
    const digest = new URLSearchParams(match[3] ?? "").get("digest");
    if (entry.method === "PUT" && digest) sessionDigest.set(match[2]!, digest);
  }
  for (const entry of log) {
    const match = /^\/v2\/(.+)\/blobs\/uploads\/([^/?]+)(?:\?(.*))?$/.exec(entry.path);
    if (!match || entry.requestBytes === 0 || (entry.method !== "PUT" && entry.method !== "PATCH")) continue;
    const digest = sessionDigest.get(match[2]!) ?? "unknown";
    const key = `${match[1]} ${digest}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The keys sent more than once. */
export function duplicates(counts: Map<string, number>): string[] {
  return [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${key} x${n}`);
}
