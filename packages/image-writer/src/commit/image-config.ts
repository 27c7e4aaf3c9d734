import type { Descriptor } from "@exp/oci-spec";
import type { ImageConfigJSON, LayerBlob } from "@exp/solver";
import { goTime } from "./go-time.js";

interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/**
 * The config an exporter writes for one platform: rootfs from the layers it exports, a history
 * with exactly one non-empty entry per layer (missing ones added, marked as BuildKit marks them),
 * `created` and later history times clamped to SOURCE_DATE_EPOCH (earlier ones, a base image's,
 * are kept, as in BuildKit #4614), and the inline cache when there is one.
 */
export function finalConfig(config: ImageConfigJSON, layers: readonly LayerBlob[], options: { sourceDateEpoch?: number; inlineCache?: string }): Record<string, unknown> {
  const out = structuredClone(config) as Record<string, unknown> & { history?: HistoryEntry[] };
  out.rootfs = { type: "layers", diff_ids: layers.map((l) => l.diffID) };
  const history = [...(out.history ?? [])];
  const missing = layers.length - history.filter((h) => !h.empty_layer).length;
  for (let i = 0; i < missing; i++) history.push({ ...(out.created ? { created: out.created as string } : {}), created_by: "", comment: "buildkit.exporter.image.v0" });
  if (options.sourceDateEpoch !== undefined) {
    const epoch = new Date(options.sourceDateEpoch * 1000);
    const clamp = (value: unknown) => (typeof value === "string" && new Date(value) > epoch ? goTime(epoch) : value);
    out.created = goTime(epoch);
    for (const entry of history) if (entry.created !== undefined) entry.created = clamp(entry.created) as string;
  }
  out.history = history;
  if (options.inlineCache !== undefined) out["moby.buildkit.cache.v0"] = options.inlineCache;
  return out;
}

/** A layer descriptor as it goes into an image manifest: BuildKit's internal annotations removed. */
export function manifestLayer(descriptor: Descriptor, mediaType: string): Descriptor {
  return { mediaType, digest: descriptor.digest, size: descriptor.size, ...(descriptor.urls ? { urls: descriptor.urls } : {}) };
}
