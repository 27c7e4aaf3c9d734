import type { ContentStore } from "@exp/content";
import type { RegistryApi } from "@exp/oci-spec";
import type { LayerBlobProvider } from "../layers/layer-blob-provider.js";
import type { Progress } from "../progress/progress.js";
import type { Releasable } from "./descriptor-reference.js";
import type { FinalizeFn } from "./exporter.js";
import type { InlineCacheFn } from "./inline-cache.js";
import type { ExportSource } from "./source.js";
import type { ResolveContext } from "./resolve-context.js";

export type CacheMode = "min" | "max";

/** A cache backend (`--cache-to type=<type>,...`). Packages export it as `cacheExporter`. */
export interface CacheExporter {
  readonly type: string;
  /** `context.env`: where defaults such as credentials come from (see ResolveContext). */
  resolve(attrs: Readonly<Record<string, string>>, context?: ResolveContext): CacheExporterInstance;
}

export type CacheExporterInstance = RemoteCacheExporterInstance | InlineCacheExporterInstance;

interface CacheExporterBase {
  readonly type: string;
  /** Progress vertex name, e.g. "exporting cache to registry". */
  readonly name: string;
  readonly mode: CacheMode;
  /** `ignore-error=true`: a failure becomes a warning and never cancels anything. */
  readonly ignoreError: boolean;
}

/** Registry, S3, local, ...: two phases, like an image exporter. */
export interface RemoteCacheExporterInstance extends CacheExporterBase {
  readonly inline?: false;
  /**
   * Phase 1, create: builds the cache records. In mode=min it uses only blobs that already exist
   * (`ctx.blobs.existing`), which is why it runs after every exporter's create phase; in mode=max it
   * may create them (`ctx.blobs.get`). Everything it will upload must be leased by `hold`.
   */
  export(source: ExportSource, ctx: CacheExportContext): Promise<CacheExportResult>;
}

/**
 * The inline cache: computed before the image exporters' create phase and embedded by them through
 * the callback; it has no finalize and is never part of the parallel phase.
 */
export interface InlineCacheExporterInstance extends CacheExporterBase {
  readonly inline: true;
  prepare(source: ExportSource, ctx: CacheExportContext): Promise<InlineCacheFn>;
}

export interface CacheExportContext {
  readonly signal: AbortSignal;
  readonly store: ContentStore;
  readonly blobs: LayerBlobProvider;
  readonly progress: Progress;
  readonly buildId: string;
  /** The build's registry client, shared with the image exporters (see ExportContext.registry). */
  readonly registry?: RegistryApi;
}

export interface CacheExportResult {
  /** Only `cache.*` keys reach the build's response, as in BuildKit. */
  readonly response?: Readonly<Record<string, string>>;
  readonly hold?: Releasable;
  readonly finalize?: FinalizeFn;
}

export function isInlineCacheExporter(instance: CacheExporterInstance): instance is InlineCacheExporterInstance {
  return instance.inline === true;
}
