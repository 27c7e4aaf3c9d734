import type { ContentStore } from "@exp/content";
import type { Descriptor, ImageReference } from "@exp/oci-spec";

/**
 * `store=true`: the image is kept in the local store under a root per name (so GC keeps it until
 * `exp prune` or another image takes the name), like BuildKit's image store without a daemon.
 */
export async function storeRoots(
  store: ContentStore,
  names: readonly ImageReference[],
  root: Descriptor,
  options: { nameCanonical: boolean; danglingPrefix?: string },
): Promise<void> {
  const rootNames = names.map((n) => n.toString());
  if (options.nameCanonical) rootNames.push(...names.map((n) => `${n.registry}/${n.repository}@${root.digest}`));
  if (options.danglingPrefix && names.length === 0) rootNames.push(`${options.danglingPrefix}@${root.digest}`);
  for (const name of rootNames) await store.roots.set(`image/${name}`, root);
}
