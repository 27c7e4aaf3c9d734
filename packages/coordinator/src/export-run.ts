import { setMaxListeners } from "node:events";
import { AbortedError, redactSecrets } from "@exp/errors";
import type { ContentStore } from "@exp/content";
import type { Descriptor, RegistryApi } from "@exp/oci-spec";
import {
  isInlineCacheExporter,
  type CacheExporterInstance,
  type CacheExportContext,
  type CacheExportResult,
  type DescriptorReference,
  type ExporterInstance,
  type ExportContext,
  type ExportResult,
  type ExportSource,
  type InlineCacheExporterInstance,
  type InlineCacheFn,
  type LayerBlobs,
  type ProgressReporter,
  type Releasable,
  type RemoteCacheExporterInstance,
} from "@exp/solver";
import { mergeResponses } from "./merge-response.js";
import { runAll } from "./run-all.js";
import { serialize } from "./serialize.js";
import { Timeline, type PhaseName } from "./timeline.js";
import type { Writable } from "node:stream";

export interface ExportRunInit {
  source: ExportSource;
  exporters: readonly ExporterInstance[];
  cacheExporters: readonly CacheExporterInstance[];
  store: ContentStore;
  blobs: LayerBlobs;
  progress: ProgressReporter;
  buildId: string;
  /** Masked out of the history record before it is written (RunExportOptions.secrets). */
  secrets: readonly string[];
  external?: AbortSignal;
  betweenPhases?: (signal: AbortSignal) => Promise<void>;
  registry?: RegistryApi;
  /** ExportContext.stdout (RunExportOptions.stdout). */
  stdout?: Writable;
  timeline?: Timeline;
}

interface Slot<R> {
  vertex: ProgressReporter;
  result?: R;
}

/** The state of one runExport call; see runExport for the order it enforces. */
export class ExportRun {
  readonly timeline: Timeline;
  readonly warnings: string[] = [];
  readonly buildId: string;
  private readonly controller = new AbortController();
  private readonly signal: AbortSignal;
  private readonly inline: InlineCacheExporterInstance | undefined;
  private readonly remoteCaches: readonly RemoteCacheExporterInstance[];
  private readonly exporterSlots: Slot<ExportResult>[];
  private readonly cacheSlots: Slot<CacheExportResult>[];
  private inlineCache: InlineCacheFn | undefined;
  private recorded: Descriptor[] = [];

  constructor(private readonly init: ExportRunInit) {
    this.buildId = init.buildId;
    this.timeline = init.timeline ?? new Timeline();
    this.signal = init.external ? AbortSignal.any([init.external, this.controller.signal]) : this.controller.signal;
    // Every layer's compression, every blob upload and every limiter wait listens on this one
    // signal at the same time: dozens of listeners are expected, not a leak.
    setMaxListeners(0, this.signal);
    const inline = init.cacheExporters.filter(isInlineCacheExporter);
    // BuildKit keeps a single inline cache exporter; more would embed the same records twice.
    if (inline.length > 1) this.warn(`only one inline cache exporter is used; ${inline.length - 1} more ignored`);
    this.inline = inline[0];
    this.remoteCaches = init.cacheExporters.filter((c): c is RemoteCacheExporterInstance => !isInlineCacheExporter(c));
    this.exporterSlots = init.exporters.map((e, i) => ({ vertex: init.progress.child(`export-${i}`, e.name) }));
    this.cacheSlots = this.remoteCaches.map((c, i) => ({ vertex: init.progress.child(`cache-${i}`, c.name) }));
  }

  /** Phases 1 and 2 with every finalizer in parallel. Returns the merged response. */
  async parallel(): Promise<Record<string, string>> {
    return this.guarded(async () => {
      await this.prepareInline();
      await runAll(this.init.exporters.map((_, i) => () => this.create(i)), this.controller);
      await runAll(this.remoteCaches.map((_, i) => () => this.cacheCreate(i)), this.controller, (i, e) => this.ignoreCacheError(i, e));
      await this.init.betweenPhases?.(this.signal);
      await runAll(
        [
          ...this.exporterSlots.map((_, i) => () => this.finalize(i)),
          ...this.cacheSlots.map((_, i) => () => this.cacheFinalize(i)),
        ],
        this.controller,
        (i, e) => i >= this.exporterSlots.length && this.ignoreCacheError(i - this.exporterSlots.length, e),
      );
    });
  }

  /**
   * BuildKit's order before PR #6451 (`Solver.Solve` in solver/llbsolver/solver.go at e07b5ed18^):
   * `runExporters` ran every exporter at once in one errgroup, each creating then pushing (its
   * `Export` did both), and only after all of them `runCacheExporters` ran every cache exporter at
   * once, each preparing then sending (`ExportTo`, then `Finalize`). Only the step from the
   * exporters to the caches was sequential; the first failure in a group cancels its siblings.
   */
  async sequential(): Promise<Record<string, string>> {
    return this.guarded(async () => {
      await this.prepareInline();
      await runAll(this.init.exporters.map((_, i) => async () => {
        await this.create(i);
        await this.finalize(i);
      }), this.controller);
      await this.init.betweenPhases?.(this.signal);
      await runAll(this.remoteCaches.map((_, i) => async () => {
        await this.cacheCreate(i);
        await this.cacheFinalize(i);
      }), this.controller, (i, e) => this.ignoreCacheError(i, e));
    });
  }

  recordedResults(): Descriptor[] {
    return this.recorded;
  }

  private async guarded(body: () => Promise<void>): Promise<Record<string, string>> {
    let failure: unknown;
    try {
      await body();
      return mergeResponses(
        this.exporterSlots.map((s) => s.result?.response),
        this.cacheSlots.map((s) => s.result?.response),
      );
    } catch (error) {
      // An external abort (Ctrl-C) fails whichever task notices it first, with whatever error it
      // makes of it ("Request aborted", an S3 error wrapping an AbortError): history records the
      // abort itself, as runExport throws it, not a consequence that happened to come first.
      const external = this.init.external;
      failure = external?.aborted && !(error instanceof AbortedError) ? new AbortedError("export", external.reason) : error;
      throw error;
    } finally {
      try {
        await this.recordHistory(failure);
      } finally {
        await this.releaseAll();
      }
    }
  }

  private async prepareInline(): Promise<void> {
    const inline = this.inline;
    if (!inline) return;
    if (!this.init.exporters.some((e) => e.wantsInlineCache)) {
      this.warn("inline cache requested but no exporter embeds it (use an image exporter)");
      return;
    }
    const vertex = this.init.progress.child("cache-inline", inline.name);
    try {
      const fn = await this.timeline.measure("inline-cache", vertex.vertex, inline.name, this.signal, () =>
        vertex.run(() => inline.prepare(this.init.source, this.cacheContext(vertex)), this.signal),
      );
      this.inlineCache = serialize(fn);
    } catch (error) {
      if (!inline.ignoreError || this.signal.aborted) throw error;
      this.warn(`inline cache skipped: ${messageOf(error)}`, vertex);
    }
  }

  private async create(index: number): Promise<void> {
    const exporter = this.init.exporters[index]!;
    const slot = this.exporterSlots[index]!;
    slot.vertex.status("started");
    slot.result = await this.phase("create", slot.vertex, () => exporter.export(this.init.source, this.exportContext(slot.vertex, exporter)));
    if (!slot.result.finalize) slot.vertex.status("completed");
  }

  private async finalize(index: number): Promise<void> {
    const slot = this.exporterSlots[index]!;
    const finalize = slot.result?.finalize;
    if (!finalize) return;
    await this.phase("finalize", slot.vertex, () => finalize({ signal: this.signal, progress: slot.vertex }));
    slot.vertex.status("completed");
  }

  private async cacheCreate(index: number): Promise<void> {
    const cache = this.remoteCaches[index]!;
    const slot = this.cacheSlots[index]!;
    slot.vertex.status("started");
    const step = slot.vertex.child("prepare", "preparing build cache for export");
    slot.result = await this.phase("cache-create", slot.vertex, () => step.run(() => cache.export(this.init.source, this.cacheContext(slot.vertex)), this.signal));
    if (!slot.result.finalize) slot.vertex.status("completed");
  }

  private async cacheFinalize(index: number): Promise<void> {
    const slot = this.cacheSlots[index]!;
    const finalize = slot.result?.finalize;
    if (!finalize) return;
    const step = slot.vertex.child("send", "sending cache export");
    await this.phase("cache-finalize", slot.vertex, () => step.run(() => finalize({ signal: this.signal, progress: slot.vertex }), this.signal));
    slot.vertex.status("completed");
  }

  /**
   * One phase of an exporter's vertex, measured on the timeline; if it fails the vertex is marked
   * "error", or "canceled" when the failure is a consequence of someone else's abort.
   */
  private async phase<T>(phase: PhaseName, vertex: ProgressReporter, work: () => Promise<T>): Promise<T> {
    try {
      return await this.timeline.measure(phase, vertex.vertex, vertex.name, this.signal, work);
    } catch (error) {
      vertex.status(this.signal.aborted && this.signal.reason !== error ? "canceled" : "error", error);
      throw error;
    }
  }

  /** ignore-error: the failure is reported on the cache vertex and as a warning; nothing is cancelled. */
  private ignoreCacheError(index: number, error: unknown): boolean {
    const cache = this.remoteCaches[index]!;
    // A cancellation caused by someone else's failure is not this exporter's error to ignore.
    if (!cache.ignoreError || this.signal.aborted) return false;
    const slot = this.cacheSlots[index]!;
    this.timeline.markIgnored(slot.vertex.vertex);
    this.warn(`${cache.name} failed and was ignored (ignore-error=true): ${messageOf(error)}`, slot.vertex);
    // Drop its result so its finalize never runs, and let go of what it held.
    const hold = slot.result?.hold;
    delete slot.result;
    if (hold) void hold.release().catch(() => undefined);
    return true;
  }

  private exportContext(vertex: ProgressReporter, exporter: ExporterInstance): ExportContext {
    return {
      signal: this.signal,
      store: this.init.store,
      blobs: this.init.blobs,
      progress: vertex,
      buildId: this.buildId,
      ...(this.init.registry ? { registry: this.init.registry } : {}),
      ...(this.init.stdout ? { stdout: this.init.stdout } : {}),
      ...(exporter.wantsInlineCache && this.inlineCache ? { inlineCache: this.inlineCache } : {}),
    };
  }

  private cacheContext(vertex: ProgressReporter): CacheExportContext {
    return { signal: this.signal, store: this.init.store, blobs: this.init.blobs, progress: vertex, buildId: this.buildId, ...(this.init.registry ? { registry: this.init.registry } : {}) };
  }

  /** Every descref that exists is recorded, on success and on failure, before anything is released. */
  private async recordHistory(failure: unknown): Promise<void> {
    const descrefs = this.exporterSlots.map((s) => s.result?.descref).filter((d): d is DescriptorReference => d !== undefined);
    this.recorded = descrefs.map((d) => d.descriptor);
    const now = new Date();
    await this.init.store.history.put({
      id: this.buildId,
      createdAt: now,
      completedAt: now,
      results: this.recorded,
      // Masked here, before the first write: the CLI no longer has to rewrite it, and a library
      // caller or a kill right after this write leaves nothing an error carried in the store.
      ...(failure === undefined ? {} : { error: redactSecrets(messageOf(failure), this.init.secrets) }),
    });
  }

  private async releaseAll(): Promise<void> {
    const holds: Releasable[] = [
      ...this.exporterSlots.map((s) => s.result?.descref),
      ...this.cacheSlots.map((s) => s.result?.hold),
    ].filter((h): h is Releasable => h !== undefined);
    const outcomes = await Promise.allSettled(holds.map((h) => h.release()));
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") this.warn(`releasing a lease failed: ${messageOf(outcome.reason)}`);
    }
  }

  private warn(message: string, vertex?: ProgressReporter): void {
    this.warnings.push(message);
    (vertex ?? this.init.progress).warn(message);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
