import type { Readable } from "node:stream";
import type { ContentStore } from "@exp/content";
import type { Digest } from "@exp/oci-spec";
import type { Layer } from "./layer.js";

/**
 * A layer whose uncompressed tar is a blob in the content store (digest = diffID), as every layer
 * the build writes is. The store verifies the digest on every full read.
 */
export function storedLayer(store: ContentStore, init: { diffID: Digest; size: number; createdAt?: Date; description?: string }): Layer {
  return {
    diffID: init.diffID,
    size: init.size,
    ...(init.createdAt ? { createdAt: init.createdAt } : {}),
    ...(init.description ? { description: init.description } : {}),
    async openTar({ signal }): Promise<Readable> {
      return (await store.read(init.diffID, signal ? { signal } : {})) as Readable;
    },
  };
}
