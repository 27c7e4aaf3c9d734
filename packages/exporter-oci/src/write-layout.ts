import { updateLayoutIndex, writeLayoutBlobs, type ContentStore } from "@exp/content";
import type { Descriptor } from "@exp/oci-spec";

/**
 * `tar=false`: an OCI image layout directory. Blobs already there are kept; index.json is merged
 * under its lock: entries with the same `io.containerd.image.name` (or, without names, the same
 * digest) are replaced, others kept.
 */
export async function writeLayout(store: ContentStore, blobs: readonly Descriptor[], entries: readonly Descriptor[], dest: string, signal: AbortSignal): Promise<void> {
  await writeLayoutBlobs(store, dest, blobs, { signal });
  const key = (d: Descriptor) => d.annotations?.["io.containerd.image.name"] ?? d.digest;
  const replaced = new Set(entries.map(key));
  await updateLayoutIndex(dest, (existing) => [...existing.filter((d) => !replaced.has(key(d))), ...entries], { signal });
}
