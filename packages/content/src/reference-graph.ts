import { throwIfAborted } from "@exp/errors";
import { DigestMismatchError, type Digest } from "@exp/oci-spec";
import { readBlobMeta } from "./blob-meta.js";
import { readBlobAll } from "./blobs.js";
import { NotFoundError, TooLargeError } from "./errors.js";
import type { Layout } from "./layout.js";
import { LABEL_MEDIA_TYPE } from "./media-types.js";
import { childReferences, hasChildReferences, labelReferences, type Reference } from "./references.js";

/**
 * What a set of references keeps alive, as GC marks it: a blob's media type comes from the
 * descriptor that reached it, else from its "exp.io/media-type" label; a blob first reached with
 * neither is revisited if a later path supplies one. Manifests and indexes are followed to their
 * children, and `containerd.io/gc.ref.content` labels to what they name. Missing children are
 * skipped. A corrupt, oversized or non-JSON manifest is a leaf (the blob itself is kept).
 *
 * One graph memoises blob records and manifest children, so reaching from many holders (du's
 * attribution: every image, record and lease on its own) reads each manifest once. Use a fresh
 * graph per pass: it never notices a blob that changes meanwhile.
 */
export class ReferenceGraph {
  private readonly labels = new Map<Digest, Promise<{ refs: Reference[]; mediaType: string | undefined }>>();
  private readonly children = new Map<string, Promise<Reference[]>>();

  constructor(
    private readonly layout: Layout,
    private readonly signal?: AbortSignal,
  ) {}

  /** Every digest reachable from `roots` (whether or not the blob is in the store). */
  async reach(roots: readonly Reference[]): Promise<Set<Digest>> {
    // "done": fully handled; "untyped": seen without a media type, so its children (if any) are unknown yet.
    const state = new Map<Digest, "done" | "untyped">();
    const stack = [...roots];
    while (stack.length > 0) {
      throwIfAborted(this.signal, "following references");
      const ref = stack.pop()!;
      const seen = state.get(ref.digest);
      if (seen === "done" || (seen === "untyped" && ref.mediaType === undefined)) continue;
      let mediaType = ref.mediaType;
      if (seen === undefined) {
        const fromRecord = await this.recordOf(ref.digest);
        stack.push(...fromRecord.refs);
        mediaType ??= fromRecord.mediaType;
      }
      state.set(ref.digest, mediaType === undefined ? "untyped" : "done");
      if (hasChildReferences(mediaType)) stack.push(...(await this.childrenOf(ref.digest, mediaType)));
    }
    return new Set(state.keys());
  }

  private recordOf(digest: Digest): Promise<{ refs: Reference[]; mediaType: string | undefined }> {
    let pending = this.labels.get(digest);
    if (!pending) {
      pending = readBlobMeta(this.layout, digest).then((meta) => ({
        refs: meta ? labelReferences(meta.labels) : [],
        mediaType: meta?.labels[LABEL_MEDIA_TYPE],
      }));
      this.labels.set(digest, pending);
    }
    return pending;
  }

  private childrenOf(digest: Digest, mediaType: string | undefined): Promise<Reference[]> {
    const key = `${digest} ${mediaType ?? ""}`;
    let pending = this.children.get(key);
    if (!pending) {
      pending = readChildren(this.layout, digest, mediaType, this.signal);
      this.children.set(key, pending);
    }
    return pending;
  }
}

async function readChildren(layout: Layout, digest: Digest, mediaType: string | undefined, signal: AbortSignal | undefined): Promise<Reference[]> {
  let data: Buffer;
  try {
    data = await readBlobAll(layout, digest, { signal });
  } catch (error) {
    // Missing: nothing to follow. Corrupt or oversized: its references cannot be trusted or read,
    // so it is treated as a leaf (the blob itself is still kept).
    if (error instanceof NotFoundError || error instanceof DigestMismatchError || error instanceof TooLargeError) return [];
    throw error;
  }
  try {
    return childReferences(mediaType, JSON.parse(data.toString("utf8")));
  } catch {
    return [];
  }
}
