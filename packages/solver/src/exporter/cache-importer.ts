import type { Readable } from "node:stream";
import type { ContentStore } from "@exp/content";
import type { Descriptor, Digest } from "@exp/oci-spec";
import type { RegistryApi } from "@exp/oci-spec";
import type { Progress } from "../progress/progress.js";
import type { ResolveContext } from "./resolve-context.js";

/** A cache source (`--cache-from type=<type>,...`). Packages export it as `cacheImporter`. */
export interface CacheImporter {
  readonly type: string;
  /** `context.env`: where defaults such as credentials come from (see ResolveContext). */
  resolve(attrs: Readonly<Record<string, string>>, context?: ResolveContext): CacheImporterInstance;
}

export interface CacheImporterInstance {
  readonly type: string;
  /** Progress vertex name, e.g. "importing cache manifest from .cache/exp". */
  readonly name: string;
  /**
   * Reads the cache's manifest and config (small documents only; no layer is downloaded). Returns
   * undefined when there is no cache there yet. The build turns any failure into a warning: an
   * import never fails a build, as in BuildKit.
   */
  load(ctx: CacheImportContext): Promise<ImportedCache | undefined>;
}

export interface CacheImportContext {
  readonly signal: AbortSignal;
  readonly store: ContentStore;
  readonly progress: Progress;
  readonly registry?: RegistryApi;
}

/** An imported cache: record keys with their result chains, and the blobs they name, fetched lazily. */
export interface ImportedCache {
  /** Names the source in messages. */
  readonly name: string;
  /** Cache key -> the result chain of that record, base first, as blob descriptors with their diffIDs. */
  readonly results: ReadonlyMap<Digest, readonly ImportedLayer[]>;
  /** Cache key -> the keys of its inputs (one per input), so a re-exported cache keeps the graph. */
  readonly inputs: ReadonlyMap<Digest, readonly Digest[]>;
  /** Streams one blob of the cache (verified). */
  fetch(descriptor: Descriptor, options: { signal?: AbortSignal }): Promise<Readable>;
  /** Where the blobs live, when that is a registry repository (a push there can mount them). */
  readonly origin?: { readonly registry: string; readonly repository: string };
}

export interface ImportedLayer {
  /** The compressed blob, with the `containerd.io/uncompressed` annotation. */
  readonly descriptor: Descriptor;
  readonly diffID: Digest;
  readonly createdAt?: string;
}
