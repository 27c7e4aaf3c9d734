import { rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";

const CACHE_FILE = "blob-info-cache-v1.boltdb";

/**
 * Where skopeo (containers/image) keeps its blob-info cache: the system one (used as root) and the
 * per-user one (used otherwise, under $XDG_DATA_HOME or ~/.local/share).
 */
export function skopeoBlobCachePaths(): string[] {
  const dataHome = process.env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return [join("/var/lib/containers/cache", CACHE_FILE), join(dataHome, "containers", "cache", CACHE_FILE)];
}

/**
 * Deletes skopeo's blob-info cache. Once skopeo has pushed a blob it remembers where, and a later
 * push of that blob to another repository becomes a cross-repository mount instead of an upload;
 * a test that expects a real upload (or counts uploaded bytes) must clear the cache first.
 * Returns the files that were removed. Files we may not remove (not root) are not ours to use anyway.
 */
export async function clearSkopeoBlobCache(options: { signal?: AbortSignal } = {}): Promise<string[]> {
  const removed: string[] = [];
  for (const path of skopeoBlobCachePaths()) {
    throwIfAborted(options.signal, "clearSkopeoBlobCache");
    try {
      await rm(path);
      removed.push(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "EACCES" && code !== "EPERM") throw error;
    }
  }
  return removed;
}
