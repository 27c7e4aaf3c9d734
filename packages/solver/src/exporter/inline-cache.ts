import type { Descriptor } from "@exp/oci-spec";
import type { PlatformResult } from "./source.js";

/**
 * Asked by an image exporter while it writes a platform's config: the inline cache for exactly
 * these image layers (results are positions in them), as the string to store under
 * `moby.buildkit.cache.v0`, or undefined when there is nothing to embed. Calls are serialized by
 * the coordinator because the inline cache exporter is stateful.
 */
export type InlineCacheFn = (request: InlineCacheRequest) => Promise<string | undefined>;

export interface InlineCacheRequest {
  readonly result: PlatformResult;
  /** The image's layer descriptors, in order, each with its `containerd.io/uncompressed` annotation. */
  readonly layers: readonly Descriptor[];
  readonly signal: AbortSignal;
}
