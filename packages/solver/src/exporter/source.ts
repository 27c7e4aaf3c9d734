import type { Digest, Platform } from "@exp/oci-spec";
import type { InTotoAttestation } from "./attestation.js";
import type { Layer } from "../layers/layer.js";
import type { Ref } from "../layers/ref.js";

/**
 * The image config as the build produced it. Kept as a JSON object here: exporters validate and
 * complete it (rootfs, history) against @exp/oci-spec when they write it.
 */
export type ImageConfigJSON = Record<string, unknown> & { architecture: string; os: string };

/** The result for one platform. */
export interface PlatformResult {
  readonly platform: Platform;
  readonly ref: Ref;
  readonly config: ImageConfigJSON;
  /** The build cache key of `ref` (see cacheGraph), for cache exporters. */
  readonly cacheKey?: Digest;
  /**
   * The diff_ids of the image the result is built FROM (BuildKit's exporter base image config):
   * `rewrite-timestamp` leaves the result's first layers alone while they are the base's.
   */
  readonly baseDiffIDs?: readonly Digest[];
  /**
   * Provenance and SBOMs of this result (`--attest`), in the order they were asked for; exporters
   * write each as an in-toto statement about what they made. Absent or empty: none.
   */
  readonly attestations?: readonly InTotoAttestation[];
}

/** What a build hands to its exporters: one result per platform, plus metadata. */
export interface ExportSource {
  /** Exactly one entry for a single-platform build. */
  readonly results: readonly PlatformResult[];
  /** True when the build targeted several platforms (an index is written even for one entry). */
  readonly multiPlatform: boolean;
  readonly metadata: ExportMetadata;
  /**
   * Every layer the build came across by diffID, including ones not in any result (a stage only
   * copied from, a hit in an imported cache), so cache exporters can reach their blobs.
   */
  readonly knownLayer?: (diffID: Digest) => Layer | undefined;
}

export interface ExportMetadata {
  /** Names the front end suggests (`image.name`), used where an exporter's `name=*`. */
  readonly imageNames?: readonly string[];
  /** SOURCE_DATE_EPOCH in seconds: clamps every timestamp an exporter writes. */
  readonly sourceDateEpoch?: number;
  readonly annotations?: Readonly<Record<string, string>>;
}
