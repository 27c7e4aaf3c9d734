import { throwIfAborted } from "@exp/errors";
import { DigestMismatchError, type Digest } from "@exp/oci-spec";
import { readBlobMeta } from "./blob-meta.js";
import { blobSize, readBlobAll } from "./blobs.js";
import type { BlobSizes } from "./check-blobs.js";
import type { CheckLog } from "./check-report.js";
import { NotFoundError, TooLargeError } from "./errors.js";
import type { Layout } from "./layout.js";
import { LABEL_MEDIA_TYPE } from "./media-types.js";
import { childReferences, hasChildReferences, labelReferences } from "./references.js";

/** A root or history record that references are followed from. */
export interface Origin {
  /** Its file. */
  path: string;
  /** How messages name it: `root "image/app:1"`, `history record "q3k9z"`. */
  name: string;
  /** The digest of its descriptor, as read. */
  digest: Digest;
  /**
   * Whether what its descriptor reaches (children, gc.ref labels) must be in the store. Not for
   * history: an export that pushes without keeping a local copy (type=registry) records a manifest
   * whose base layers were never downloaded, and gc skips missing children for that reason.
   */
  descendantsRequired: boolean;
  /** Reads the record again: whether it still names `digest` (a gc in another process may have collected it after a change). */
  stillNames(): Promise<boolean>;
}

interface Pending {
  digest: Digest;
  mediaType?: string;
  size?: number;
  origin: Origin;
  /** The file holding this reference: the origin record, or the manifest or record blob it was found in. */
  holder: string;
  /** How it was reached from the origin, for messages; "" for the origin's own descriptor. */
  via: string;
  required: boolean;
}

/**
 * Follows references the way gc's mark does (descriptor media type, else the blob's
 * exp.io/media-type label; manifests, indexes and gc.ref labels), reporting descriptors whose size
 * is not their blob's and required blobs that are missing. Each blob is followed once per
 * (typed, required) state, so a store with many roots sharing layers stays linear.
 */
export class ReferenceWalk {
  private readonly visited = new Map<Digest, { typed: boolean; required: boolean }>();
  private readonly missing = new Map<Digest, Pending[]>();
  private readonly notedMissing = new Set<Digest>();
  private readonly sizeFaults = new Set<string>();

  constructor(
    private readonly layout: Layout,
    private readonly blobs: BlobSizes,
    private readonly log: CheckLog,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async walk(origin: Origin, descriptor: { mediaType: string; size: number }): Promise<void> {
    const stack: Pending[] = [{ digest: origin.digest, mediaType: descriptor.mediaType, size: descriptor.size, origin, holder: origin.path, via: "", required: true }];
    while (stack.length > 0) {
      throwIfAborted(this.signal, "checking the content store");
      stack.push(...(await this.visit(stack.pop()!)));
    }
  }

  /**
   * One fault per file holding a reference to a missing blob, once re-checked: still missing, and
   * its origin still names what reached it (a writer or a gc in another process may have run meanwhile).
   */
  async reportMissing(): Promise<void> {
    for (const [digest, refs] of this.missing) {
      if ((await blobSize(this.layout, digest)) !== undefined) continue;
      const reported = new Set<string>();
      for (const ref of refs) {
        if (reported.has(ref.holder) || !(await ref.origin.stillNames())) continue;
        reported.add(ref.holder);
        const reach = ref.via === "" ? `names ${digest}` : `reaches ${digest} through ${ref.via}`;
        this.log.fault({
          code: "MISSING_BLOB",
          path: ref.holder,
          digest,
          message: `${ref.origin.name} ${reach}, which is not in the store; expected the blob at ${this.layout.blobPath(digest)}`,
        });
      }
    }
  }

  private async visit(ref: Pending): Promise<Pending[]> {
    this.checkSize(ref);
    if (!this.blobs.has(ref.digest)) {
      if (ref.required) this.missing.set(ref.digest, [...(this.missing.get(ref.digest) ?? []), ref]);
      else if (!this.missing.has(ref.digest) && !this.notedMissing.has(ref.digest)) {
        this.notedMissing.add(ref.digest);
        this.log.note("blobs reached from history through manifests but not in the store (exports that push without keeping base layers, e.g. type=registry)", ref.digest);
      }
      return [];
    }
    const seen = this.visited.get(ref.digest);
    if (seen && (seen.required || !ref.required) && (seen.typed || ref.mediaType === undefined)) return [];
    // A record that does not parse is reported by checkBlobRecords; here it just has no labels.
    const labels = (await readBlobMeta(this.layout, ref.digest).catch(() => undefined))?.labels ?? {};
    const mediaType = ref.mediaType ?? labels[LABEL_MEDIA_TYPE];
    this.visited.set(ref.digest, { typed: (seen?.typed ?? false) || mediaType !== undefined, required: (seen?.required ?? false) || ref.required });
    const next = (digest: Digest, via: string, extra: { mediaType?: string; size?: number }): Pending => ({
      digest,
      ...extra,
      origin: ref.origin,
      holder: this.layout.blobPath(ref.digest),
      via: ref.via === "" ? via : `${ref.via} -> ${via}`,
      required: ref.origin.descendantsRequired,
    });
    const out = labelReferences(labels).map((child) => next(child.digest, `a gc.ref label of ${ref.digest}`, {}));
    // An unreadable blob (reported as BLOB_UNREADABLE) has no children we could read.
    if (hasChildReferences(mediaType) && this.blobs.get(ref.digest) !== undefined) {
      for (const child of await this.children(ref.digest, mediaType)) {
        out.push(next(child.digest, `${mediaType} ${ref.digest}`, { ...(child.mediaType === undefined ? {} : { mediaType: child.mediaType }), ...(child.size === undefined ? {} : { size: child.size }) }));
      }
    }
    return out;
  }

  private checkSize(ref: Pending): void {
    const actual = this.blobs.get(ref.digest);
    if (ref.size === undefined || actual === undefined || actual === ref.size) return;
    const key = `${ref.holder}\n${ref.digest}\n${ref.size}`;
    if (this.sizeFaults.has(key)) return;
    this.sizeFaults.add(key);
    const where = ref.via === "" ? `${ref.origin.name}` : `${ref.origin.name}, through ${ref.via},`;
    this.log.fault({
      code: "BLOB_SIZE_MISMATCH",
      path: ref.holder,
      digest: ref.digest,
      message: `${where} gives ${ref.digest} the size ${ref.size}; expected ${actual}, the size of the blob`,
    });
  }

  /** As gc reads them: a manifest that is missing, corrupt, too large or not JSON has no children. */
  private async children(digest: Digest, mediaType: string | undefined) {
    let data: Buffer;
    try {
      data = await readBlobAll(this.layout, digest, this.signal ? { signal: this.signal } : {});
    } catch (error) {
      if (error instanceof TooLargeError) this.log.note("manifests too large to follow (gc treats them as leaves too)", digest);
      // Missing: deleted since the scan. Corrupt: reported as BLOB_DIGEST_MISMATCH already.
      if (error instanceof TooLargeError || error instanceof NotFoundError || error instanceof DigestMismatchError) return [];
      throw error;
    }
    try {
      return childReferences(mediaType, JSON.parse(data.toString("utf8")));
    } catch {
      this.log.note("blobs typed as a manifest or index that are not JSON (gc keeps them but follows nothing)", digest);
      return [];
    }
  }
}
