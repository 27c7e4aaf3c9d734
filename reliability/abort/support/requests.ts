import { setTimeout as sleep } from "node:timers/promises";
import type { FaultLogEntry, FaultProxy } from "@exp/testing";

/** A registry blob upload that is sending its body: a monolithic PUT or a chunk PATCH under /blobs/uploads/. */
export function isBlobUpload(entry: FaultLogEntry): boolean {
  return (entry.method === "PUT" || entry.method === "PATCH") && /\/v2\/.+\/blobs\/uploads\//.test(entry.path) && entry.requestBytes > 0;
}

/** An S3 object (or part) upload that is sending its body; the cache manifest is small and written last. */
export function isObjectUpload(entry: FaultLogEntry): boolean {
  return entry.method === "PUT" && !entry.path.includes("/manifests/") && entry.requestBytes > 0;
}

/** Requests still open at the proxy (no end recorded). */
export function openRequests(proxy: FaultProxy): FaultLogEntry[] {
  return proxy.stats.log.filter((e) => e.endedAt === undefined);
}

/** Polls `condition` every 20 ms; rejects after `timeoutMs` with `what` and `detail()` in the message. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string, detail: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail() ? `\n${detail()}` : ""}`);
    await sleep(20);
  }
}

/** One line per request, for failure messages. */
export function describeRequests(entries: readonly FaultLogEntry[], since = 0): string {
  return entries
    .map((e) => `${e.method} ${e.path.slice(0, 100)} status=${e.status ?? "-"} bytes=${e.requestBytes} start=+${e.startedAt - since}ms end=${e.endedAt === undefined ? "open" : `+${e.endedAt - since}ms`}`)
    .join("\n");
}

/**
 * Every request the proxy ever saw has ended, and none ended later than `deadline`. Waits until
 * the deadline for the last ones (a cancelled request is allowed until then, not a moment after).
 */
export async function expectAllEndedBy(proxy: FaultProxy, deadline: number, since: number, name: string): Promise<void> {
  while (proxy.stats.open > 0 && Date.now() <= deadline) await sleep(10);
  const late = proxy.stats.log.filter((e) => e.endedAt === undefined || e.endedAt > deadline);
  if (late.length > 0 || proxy.stats.open > 0) {
    throw new Error(`${name}: ${late.length} request(s) still open or ended more than ${deadline - since} ms after the abort:\n${describeRequests(late, since)}`);
  }
}
