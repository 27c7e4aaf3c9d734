import { isDigest, type Digest } from "@exp/oci-spec";
import { LABEL_GC_REF_CONTENT, isIndexMediaType, isManifestMediaType } from "./media-types.js";

/** A blob GC must keep, with the media type (and size) its referrer gave it, if any. */
export interface Reference {
  digest: Digest;
  mediaType?: string;
  /** From a descriptor; GC ignores it, the store check compares it with the blob. */
  size?: number;
}

/** Whether GC must read this blob to find its children. */
export function hasChildReferences(mediaType: string | undefined): boolean {
  return isManifestMediaType(mediaType) || isIndexMediaType(mediaType);
}

/**
 * The blobs a manifest (config + layers) or an index (manifests) refers to. Entries without a
 * valid digest are skipped rather than failing GC: a malformed document holds nothing we could find.
 */
export function childReferences(mediaType: string | undefined, document: unknown): Reference[] {
  if (typeof document !== "object" || document === null) return [];
  const doc = document as Record<string, unknown>;
  const children: Reference[] = [];
  if (isManifestMediaType(mediaType)) {
    pushDescriptor(children, doc.config);
    if (Array.isArray(doc.layers)) for (const layer of doc.layers) pushDescriptor(children, layer);
  } else if (isIndexMediaType(mediaType)) {
    if (Array.isArray(doc.manifests)) for (const manifest of doc.manifests) pushDescriptor(children, manifest);
  }
  return children;
}

function pushDescriptor(into: Reference[], value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  const { digest, mediaType, size } = value as { digest?: unknown; mediaType?: unknown; size?: unknown };
  if (!isDigest(digest)) return;
  const ref: Reference = { digest };
  if (typeof mediaType === "string") ref.mediaType = mediaType;
  if (typeof size === "number" && Number.isSafeInteger(size) && size >= 0) ref.size = size;
  into.push(ref);
}

/** Digests pinned by `containerd.io/gc.ref.content` or `containerd.io/gc.ref.content.<anything>` labels. */
export function labelReferences(labels: Record<string, string>): Reference[] {
  const refs: Reference[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (key !== LABEL_GC_REF_CONTENT && !key.startsWith(`${LABEL_GC_REF_CONTENT}.`)) continue;
    if (isDigest(value)) refs.push({ digest: value });
  }
  return refs;
}
