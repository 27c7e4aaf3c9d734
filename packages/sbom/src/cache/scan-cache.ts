import { createHash } from "node:crypto";
import type { ContentStore } from "@exp/content";
import { throwIfAborted } from "@exp/errors";
import type { FoundPackage, ScanWarning } from "../model.js";

/** What a scan found, before it becomes a document: the part a cache can keep (the document's name and date are the build's). */
export interface CachedScan {
  found: FoundPackage[];
  warnings: ScanWarning[];
}

/**
 * Where scans of a filesystem are kept by a key (see scanCacheKey). BuildKit's SBOM is a run of
 * its scanner image, cached like any other step by its inputs' keys: a rebuild whose image is
 * unchanged reuses the scan instead of reading every layer again. A miss, or an entry that cannot
 * be read, is a scan; a failing write is not the build's failure.
 */
export interface ScanCache {
  get(key: string, signal?: AbortSignal): Promise<CachedScan | undefined>;
  put(key: string, scan: CachedScan, signal?: AbortSignal): Promise<void>;
}

/**
 * The key of a scan: what it read (`identity`: a layer chain's ChainID, which names its
 * uncompressed content), which catalogers looked, and the version of @exp/sbom that ran them
 * (BuildKit's key holds the scanner image's digest).
 */
export function scanCacheKey(identity: string, catalogers: readonly string[], toolVersion: string): string {
  const input = JSON.stringify({ v: 1, tool: `@exp/sbom@${toolVersion}`, identity, catalogers: [...catalogers].sort() });
  return createHash("sha256").update(input).digest("hex");
}

const rootPrefix = "exp.sbom/";
const mediaType = "application/vnd.exp.sbom-scan.v1+json";

/**
 * A ScanCache in a content store: each scan a small JSON blob named by the root
 * `exp.sbom/<key>`, so GC keeps it and `exp prune` removes it with the other cache records.
 * `lease` (the build's) holds a new blob until its root names it.
 */
export function contentStoreScanCache(store: Pick<ContentStore, "readAll" | "writeBlob" | "roots">, options: { lease?: string } = {}): ScanCache {
  return {
    async get(key, signal) {
      const at = signal ? { signal } : {};
      try {
        const root = await store.roots.get(rootPrefix + key, at);
        if (!root) return undefined;
        const value = JSON.parse((await store.readAll(root.digest, { ...at, maxBytes: 256 * 1024 * 1024 })).toString("utf8")) as unknown;
        return isCachedScan(value) ? value : undefined;
      } catch {
        throwIfAborted(signal, "reading a cached SBOM scan");
        return undefined;
      }
    },
    async put(key, scan, signal) {
      const at = signal ? { signal } : {};
      try {
        const written = await store.writeBlob(JSON.stringify(scan), { mediaType, ...at, ...(options.lease ? { lease: options.lease } : {}) });
        await store.roots.set(rootPrefix + key, { mediaType, digest: written.digest, size: written.size }, at);
      } catch {
        // The scan is made; only the next build's shortcut is lost (a read-only or full store).
        throwIfAborted(signal, "caching an SBOM scan");
      }
    },
  };
}

function isCachedScan(value: unknown): value is CachedScan {
  if (typeof value !== "object" || value === null) return false;
  const { found, warnings } = value as Record<string, unknown>;
  return Array.isArray(found) && Array.isArray(warnings) && found.every((p) => typeof p === "object" && p !== null && typeof (p as FoundPackage).name === "string" && Array.isArray((p as FoundPackage).files));
}
