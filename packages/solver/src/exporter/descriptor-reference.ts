import type { ContentStore } from "@exp/content";
import type { Descriptor } from "@exp/oci-spec";

/** Something that holds content alive until released. Release is idempotent. */
export interface Releasable {
  release(): Promise<void>;
}

/**
 * The root descriptor an exporter produced (a manifest or an index) together with the lease that
 * keeps it and everything it references alive. The exporter hands the lease over when it returns,
 * the coordinator records the descriptor in build history, and releases it only after every
 * finalizer has ended, so a GC between the two phases cannot take what a push still needs.
 */
export interface DescriptorReference extends Releasable {
  readonly descriptor: Descriptor;
}

/** A Releasable for a content-store lease. */
export function leaseHandle(store: ContentStore, leaseId: string): Releasable {
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= store.leases.release(leaseId);
      return released;
    },
  };
}

export function descriptorReference(store: ContentStore, leaseId: string, descriptor: Descriptor): DescriptorReference {
  const handle = leaseHandle(store, leaseId);
  return { descriptor, release: () => handle.release() };
}
