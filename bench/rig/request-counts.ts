import type { FaultLogEntry } from "@exp/testing";

/** What a job asked a registry for, read from its link proxy's request log. */
export interface RequestCounts {
  requests: number;
  /** GET of a blob among `layers`: a layer downloaded. */
  layerDownloads: number;
  /** Any blob GET (the cache config is one the import needs). */
  blobGets: number;
  /** HEAD of a blob among `known`: asking whether a repository has what the import already proved. */
  knownHeads: number;
  blobHeads: number;
  /** POSTs with `mount=`: a blob linked from another repository of the registry, no bytes sent. */
  mounts: number;
  /** PUTs that commit an upload (`digest=` in the query). */
  uploads: number;
  uploadedBytes: number;
}

const blobPath = /\/blobs\/(sha256:[0-9a-f]{64})(?:\?|$)/;

/** Counts a request log; `layers` are layer digests, `known` the blob digests the imported cache named. */
export function countRequests(log: readonly FaultLogEntry[], layers: ReadonlySet<string>, known: ReadonlySet<string>): RequestCounts {
  const counts: RequestCounts = { requests: log.length, layerDownloads: 0, blobGets: 0, knownHeads: 0, blobHeads: 0, mounts: 0, uploads: 0, uploadedBytes: 0 };
  for (const entry of log) {
    // Query values arrive percent-encoded (sha256%3A…).
    const path = decodeURIComponent(entry.path);
    counts.uploadedBytes += entry.requestBytes;
    const blob = blobPath.exec(path)?.[1];
    if (entry.method === "GET" && blob) {
      counts.blobGets++;
      if (layers.has(blob)) counts.layerDownloads++;
    } else if (entry.method === "HEAD" && blob) {
      counts.blobHeads++;
      if (known.has(blob)) counts.knownHeads++;
    } else if (entry.method === "POST" && path.includes("/blobs/uploads/") && path.includes("mount=")) {
      counts.mounts++;
    } else if (entry.method === "PUT" && path.includes("/blobs/uploads/") && path.includes("digest=")) {
      counts.uploads++;
    }
  }
  return counts;
}
