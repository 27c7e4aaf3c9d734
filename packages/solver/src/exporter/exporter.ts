import type { ContentStore } from "@exp/content";
import type { RegistryApi } from "@exp/oci-spec";
import type { CompressionRequest } from "../layers/compression.js";
import type { LayerBlobProvider } from "../layers/layer-blob-provider.js";
import type { Progress } from "../progress/progress.js";
import type { DescriptorReference } from "./descriptor-reference.js";
import type { InlineCacheFn } from "./inline-cache.js";
import type { ExportSource } from "./source.js";
import type { Writable } from "node:stream";

/**
 * An output type (`--output type=<type>,...`). Packages export one of these, named `exporter`, so
 * the CLI can load third-party exporters by package name.
 */
export interface Exporter {
  readonly type: string;
  /**
   * Validates buildx-style attributes and returns a configured instance. Every key the exporter
   * does not know, and every bad value, throws a typed error naming the key and what is valid.
   */
  resolve(attrs: Readonly<Record<string, string>>): ExporterInstance;
}

export interface ExporterInstance {
  readonly type: string;
  /** The progress vertex name, e.g. "exporting to image". */
  readonly name: string;
  /** Set by exporters that embed the inline cache (image-like exporters); the coordinator then runs inline cache first. */
  readonly wantsInlineCache?: boolean;
  /**
   * The compression this exporter will ask `ctx.blobs` for the layers a build writes, when known
   * before the build: the build then compresses each layer that way while writing it (overlapping
   * the two), and the export finds the blob made. A hint only: without it the blob is made at
   * export, as before.
   */
  readonly layerCompression?: CompressionRequest;
  /**
   * Phase 1, create: writes every artifact (layer blobs, config, manifests, files) and returns.
   * Network completion belongs in `finalize`. Content it created must be covered by a lease that
   * it hands over in `descref`; a descref is returned whenever a root descriptor exists, whether
   * or not anything will be pushed.
   */
  export(source: ExportSource, ctx: ExportContext): Promise<ExportResult>;
}

export interface ExportContext {
  readonly signal: AbortSignal;
  readonly store: ContentStore;
  /** Shared by every exporter of the build: each layer is compressed at most once. */
  readonly blobs: LayerBlobProvider;
  /** Scoped to this exporter's vertex. */
  readonly progress: Progress;
  readonly buildId: string;
  /** Present when an inline cache was requested: returns the value for `moby.buildkit.cache.v0`. */
  readonly inlineCache?: InlineCacheFn;
  /**
   * The build's registry client, when it has one: exporters that push use it, so every push of a
   * build shares one set of credentials, tokens and connection pools (and the per-host limits).
   */
  readonly registry?: RegistryApi;
  /**
   * Where an output to `dest=-` writes: the caller's standard output (runExport's `stdout`, which
   * the CLI sets to the one runCli was given). Written to, never ended. Absent: process.stdout.
   */
  readonly stdout?: Writable;
}

/**
 * Phase 2, finalize: completes the export (pushes). It is optional to call (a sibling's failure
 * skips it and nothing leaks), safe to run concurrently with every other finalizer, and does no
 * cleanup: releasing content is the descref's job.
 */
export type FinalizeFn = (ctx: FinalizeContext) => Promise<void>;

export interface FinalizeContext {
  /** Fires when any sibling finalizer fails or the build is cancelled. */
  readonly signal: AbortSignal;
  /** The same vertex as the exporter's create phase, so pushes show under "exporting to image". */
  readonly progress: Progress;
}

export interface ExportResult {
  /** Response keys in BuildKit's names: `containerimage.digest`, `image.name`, ... */
  readonly response: Readonly<Record<string, string>>;
  readonly descref?: DescriptorReference;
  readonly finalize?: FinalizeFn;
}
