import type { ContentStore } from "@exp/content";
import type { Descriptor, ImageReference } from "@exp/oci-spec";

/**
 * `store=true`: the image is kept in the local store under a root per name (so GC keeps it until
 * `exp prune` or another image takes the name), like BuildKit's image store without a daemon. The
 * names (canonical and dangling ones included) are computed by targetNames.
 */
export async function storeRoots(store: ContentStore, names: readonly ImageReference[], root: Descriptor): Promise<void> {
  for (const name of names) await store.roots.set(`image/${name.toString()}`, root);
}
