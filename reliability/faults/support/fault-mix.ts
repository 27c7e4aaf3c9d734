import type { Fault, FaultLogEntry, FaultRule } from "@exp/testing";

/** The fault kinds of issue 8's flaky destination, each drawn with the same share of the total probability. */
export const FLAKY_FAULTS: readonly Fault[] = [
  { type: "status", status: 500 },
  { type: "status", status: 502 },
  { type: "status", status: 503 },
  // One second: long enough that a client ignoring it would retry sooner, short enough for the CI run.
  { type: "status", status: 429, retryAfter: 1 },
  // Cut the request body after 8 KiB (a body that is shorter is read whole, then cut before the answer).
  { type: "reset-request", afterBytes: 8 * 1024 },
  // Cut the response after its headers and a few body bytes (before the headers when it has no body).
  { type: "reset-response", afterBytes: 64 },
];

/** A fault's label for counting: "503", "429", "reset-request", ... */
export function faultLabel(entry: FaultLogEntry): string | undefined {
  if (entry.fault === undefined) return undefined;
  return entry.fault === "status" ? String(entry.status) : entry.fault;
}

/**
 * One rule per fault kind, all matching every request, so that a request is faulted with
 * `probability` in total, spread evenly over the kinds. The proxy tries the rules in order and each
 * draws on its own, so rule k (0-based) gets the conditional probability p / (1 - k·p) of its share
 * p = probability / kinds: exactly `probability` overall.
 */
export function spreadRules(probability: number, faults: readonly Fault[] = FLAKY_FAULTS): FaultRule[] {
  const share = probability / faults.length;
  return faults.map((fault, k) => ({ probability: share / (1 - k * share), fault }));
}

/** A kind of request as the issue lists them, recognised from the proxy's log. */
export interface RequestType {
  name: string;
  method: string;
  path?: RegExp;
}

/** Registry requests: the image and cache pushes, and the cache imports (GET). */
export const REGISTRY_REQUEST_TYPES: readonly RequestType[] = [
  { name: "HEAD blob", method: "HEAD", path: /\/blobs\/sha256:/ },
  { name: "POST upload or mount", method: "POST", path: /\/blobs\/uploads\// },
  { name: "PATCH chunk", method: "PATCH", path: /\/blobs\/uploads\// },
  { name: "PUT blob", method: "PUT", path: /\/blobs\/uploads\/.*digest=/ },
  { name: "PUT manifest", method: "PUT", path: /\/manifests\// },
  { name: "GET manifest", method: "GET", path: /\/manifests\// },
  { name: "GET blob", method: "GET", path: /\/blobs\/sha256:/ },
];

/** S3 requests of the cache export and import (the SDK names the operation in `x-id`). */
export const S3_REQUEST_TYPES: readonly RequestType[] = [
  { name: "HeadObject", method: "HEAD" },
  { name: "PutObject", method: "PUT", path: /[?&]x-id=PutObject\b/ },
  { name: "CopyObject (touch)", method: "PUT", path: /[?&]x-id=CopyObject\b/ },
  { name: "CreateMultipartUpload", method: "POST", path: /[?&]uploads\b/ },
  { name: "UploadPart", method: "PUT", path: /[?&]x-id=UploadPart\b/ },
  { name: "CompleteMultipartUpload", method: "POST", path: /[?&]uploadId=/ },
  { name: "GetObject", method: "GET", path: /[?&]x-id=GetObject\b/ },
];

export function matches(type: RequestType, entry: Pick<FaultLogEntry, "method" | "path">): boolean {
  return entry.method === type.method && (type.path === undefined || type.path.test(entry.path));
}

/** For each request type: how many requests the proxy saw and how many of them it faulted (by kind). */
export function faultCounts(types: readonly RequestType[], log: readonly FaultLogEntry[], kinds: ReadonlySet<string>): Record<string, { requests: number; faulted: number }> {
  const counts: Record<string, { requests: number; faulted: number }> = {};
  for (const type of types) {
    const seen = log.filter((e) => matches(type, e));
    counts[type.name] = { requests: seen.length, faulted: seen.filter((e) => kinds.has(faultLabel(e) ?? "")).length };
  }
  return counts;
}
