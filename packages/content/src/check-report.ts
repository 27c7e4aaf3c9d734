import type { Digest } from "@exp/oci-spec";

/**
 * What `checkStore` can find wrong. Stable: the CLI prints them and scripts match on them.
 *
 *  - BLOB_DIGEST_MISMATCH: a blob's bytes do not hash to its name.
 *  - BLOB_UNREADABLE: an entry in blobs/ that cannot be read (permissions, an I/O error) or is not
 *    a regular file.
 *  - BLOB_SIZE_MISMATCH: a descriptor (in a root, a history record or a manifest) gives a size
 *    other than the size of the blob it names.
 *  - MISSING_BLOB: a root or history record names a blob that is not in blobs/, or a root reaches
 *    one through a manifest, an index or a `containerd.io/gc.ref.content` label.
 *  - BAD_METADATA: a record that does not parse, or that is filed under a name other than its id's.
 *  - MISSING_LABEL_HINT: a blob record's label without its label-index hint, so findByLabel
 *    (which the exporters use to find compressed layers) would miss the blob.
 */
export type StoreFaultCode = "BLOB_DIGEST_MISMATCH" | "BLOB_UNREADABLE" | "BLOB_SIZE_MISMATCH" | "MISSING_BLOB" | "BAD_METADATA" | "MISSING_LABEL_HINT";

export interface StoreFault {
  code: StoreFaultCode;
  /** The file at fault: the blob, or the record that holds the bad value or reference. */
  path: string;
  /** The blob concerned, when there is one. */
  digest?: Digest;
  /** Names the bad value and what was expected instead. */
  message: string;
}

export interface StoreCheckReport {
  /** Blob files checked (every entry in blobs/ named by a digest). */
  blobs: number;
  /** Bytes hashed. */
  bytes: number;
  /** Empty when the store is consistent. */
  faults: StoreFault[];
  /**
   * States the store tolerates and cleans up itself (temp files of interrupted writers, orphan
   * records, stale index hints, expired leases), one line per kind with a count and an example.
   */
  notes: string[];
}

/** Collects faults, and notes grouped by kind so a store with many leftovers stays readable. */
export class CheckLog {
  private readonly faults: StoreFault[] = [];
  private readonly noted = new Map<string, { count: number; example: string }>();

  fault(fault: StoreFault): void {
    this.faults.push(fault);
  }

  /** `kind` is a fixed sentence (counted); `example` a path or digest, shown for the first one. */
  note(kind: string, example: string): void {
    const entry = this.noted.get(kind);
    if (entry) entry.count++;
    else this.noted.set(kind, { count: 1, example });
  }

  report(blobs: number, bytes: number): StoreCheckReport {
    // Blobs are hashed a few at a time, so sort for a stable order between runs.
    const faults = [...this.faults].sort((a, b) => compare(a.path, b.path) || compare(a.code, b.code) || compare(a.digest ?? "", b.digest ?? ""));
    const notes = [...this.noted].map(([kind, { count, example }]) => `${kind}: ${count} (${count === 1 ? "" : "e.g. "}${example})`);
    return { blobs, bytes, faults, notes };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
