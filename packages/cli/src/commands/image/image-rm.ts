import type { CliIO } from "../../io.js";
import { openStoreForRemoving } from "../store/open-store.js";
import { storeRoot, type StoreOptions } from "../store/store-options.js";
import { ImageChangedError } from "./image-errors.js";
import { resolveImages } from "./resolve-images.js";
import { listStoredImages } from "./stored-images.js";

export interface ImageRmOptions extends StoreOptions {
  force?: boolean;
}

/**
 * `exp image rm <image>...`: removes the names (the store's `image/<name>` roots), printing
 * `Untagged: <name>` for each, as `docker image rm` does. The blobs stay until a GC finds nothing
 * else holds them (`exp prune`): a build may share them, and GC is the one place that decides
 * what is unreferenced, under the store's lock. Every name is resolved before anything is
 * removed, so a mistyped one removes nothing. A name a concurrent build set to another image after it was
 * resolved is kept (the root is removed only while it names the image that was resolved).
 */
export async function runImageRm(io: CliIO, args: readonly string[], options: ImageRmOptions): Promise<number> {
  const store = await openStoreForRemoving(io, options);
  const chosen = resolveImages(storeRoot(io, options), store ? await listStoredImages(store, io.signal) : [], args, options.force === true);
  // Without a store no name resolves, and resolveImages has thrown.
  if (!store) return 0;
  const changed: string[] = [];
  for (const image of chosen) {
    const signal = io.signal ? { signal: io.signal } : {};
    if (!(await store.roots.delete(image.rootName, { ifDigest: image.descriptor.digest, ...signal }))) {
      // Kept: either gone already (someone else removed it, which is what was asked) or set anew.
      const now = await store.roots.get(image.rootName, signal);
      if (now && now.digest !== image.descriptor.digest) {
        changed.push(image.display);
        continue;
      }
    }
    io.stdout.write(`Untagged: ${image.display}\n`);
  }
  if (changed.length > 0) throw new ImageChangedError(changed);
  return 0;
}
