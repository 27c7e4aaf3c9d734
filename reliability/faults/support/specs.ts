import type { TestS3 } from "@exp/testing";

/** `--cache-to`/`--cache-from type=s3,...` for the test S3, reached at `endpoint` (a fault proxy or Swift itself). */
export function s3CacheSpec(s3: Pick<TestS3, "region" | "accessKeyId" | "secretAccessKey">, bucket: string, endpoint: string, attrs: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    type: "s3",
    bucket,
    region: s3.region,
    endpoint_url: endpoint,
    use_path_style: "true",
    access_key_id: s3.accessKeyId,
    secret_access_key: s3.secretAccessKey,
    ...attrs,
  };
  return Object.entries(all)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

/** A progress event of `--progress rawjson` (only the fields the tests read). */
export interface RawEvent {
  type: string;
  id?: string;
  name?: string;
  /** Set on a sub-step: the id of the vertex it belongs to. */
  parent?: string;
  status?: string;
  message?: string;
  error?: string;
  /** ms since the epoch. */
  at?: number;
}

/** The rawjson events on stderr; the trailing `ERROR: ...` line of a failed build is not one. */
export function rawEvents(stderr: string): RawEvent[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as RawEvent);
}

/** The build steps of a rawjson run (not the context load, the cache imports or the exports) and the statuses each went through. */
export function stepStatuses(events: readonly RawEvent[]): Map<string, string[]> {
  const steps = new Map<string, string[]>();
  for (const event of events) {
    // Build steps only: not the [internal] ones, nor a step's status lines (sub-vertices with a parent).
    if (event.type !== "vertex" || !event.id?.startsWith("op-") || event.parent !== undefined || event.name?.startsWith("[internal]")) continue;
    const key = `${event.id} ${event.name ?? ""}`;
    steps.set(key, [...(steps.get(key) ?? []), event.status ?? ""]);
  }
  return steps;
}
