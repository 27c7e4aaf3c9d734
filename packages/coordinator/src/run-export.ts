import { randomUUID } from "node:crypto";
import { AbortedError, InvalidOptionError, throwIfAborted } from "@exp/errors";
import type { ContentStore } from "@exp/content";
import type { Descriptor, RegistryApi } from "@exp/oci-spec";
import {
  LayerBlobs,
  ProgressReporter,
  type CacheExporterInstance,
  type ExporterInstance,
  type ExportSource,
  type ProgressListener,
} from "@exp/solver";
import { ExportRun } from "./export-run.js";
import type { Timeline, TimelineEntry } from "./timeline.js";
import type { Writable } from "node:stream";

export interface RunExportOptions {
  source: ExportSource;
  exporters: readonly ExporterInstance[];
  cacheExporters?: readonly CacheExporterInstance[];
  store: ContentStore;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /**
   * BuildKit's order before PR #6451, kept as the benchmark baseline: every exporter at once, each
   * creating then finalizing (pushing); then, once all are done, every cache exporter at once,
   * each creating then finalizing. See ExportRun.sequential.
   */
  sequential?: boolean;
  /**
   * Values that must never be written to the store (a password, a secret build arg's value): the
   * history record's error is masked with them, and with the credential patterns of @exp/errors'
   * redactSecrets, before it is written, so no caller (nor a kill right after) keeps them there.
   */
  secrets?: readonly string[];
  /** Names the history record; a random UUID by default. */
  buildId?: string;
  /** Share the build's blob service when the caller already made blobs through it. */
  blobs?: LayerBlobs;
  /** Handed to every exporter and cache exporter (ExportContext.registry). */
  registry?: RegistryApi;
  /** Where outputs to `dest=-` write (ExportContext.stdout); process.stdout when absent. Written to, never ended. */
  stdout?: Writable;
  /** Runs after every create phase and before any finalizer (a GC, in tests and in `exp` itself). */
  betweenPhases?: (signal: AbortSignal) => Promise<void>;
  /**
   * Where the phases' spans are recorded (a new Timeline by default). The caller keeps it when
   * runExport throws: every phase has settled by then, each span with its status (completed,
   * error, canceled), which is what a trace of a failed or interrupted export shows.
   */
  timeline?: Timeline;
}

export interface ExportOutcome {
  buildId: string;
  /** Merged response: `containerimage.digest`, `image.name`, `cache.manifest`, ... */
  response: Record<string, string>;
  /** The root descriptors recorded in build history, one per exporter that produced one. */
  results: Descriptor[];
  timeline: TimelineEntry[];
  /** ms since the epoch (sub-millisecond) at which the timeline's `start`/`end` are 0. */
  timelineStartedAt: number;
  warnings: string[];
}

/**
 * Runs a build's exporters the way BuildKit does since PR #6451:
 * 1. the inline cache first, when an exporter embeds it;
 * 2. every exporter's create phase, concurrently (blobs are single-flight, never made twice), then
 *    every cache exporter's create phase, which sees the blobs the exporters just made;
 * 3. every finalizer and cache finalizer at once under one AbortController: the first real failure
 *    cancels the rest and is the error thrown; an `ignore-error` cache exporter only warns;
 * 4. the history record is written before any descriptor reference is released, and every lease
 *    is released on every path.
 */
export async function runExport(options: RunExportOptions): Promise<ExportOutcome> {
  throwIfAborted(options.signal, "export");
  const secrets = checkSecrets(options.secrets);
  const run = new ExportRun({
    source: options.source,
    exporters: options.exporters,
    cacheExporters: options.cacheExporters ?? [],
    store: options.store,
    blobs: options.blobs ?? new LayerBlobs(options.store),
    progress: ProgressReporter.root(options.onProgress),
    buildId: options.buildId ?? randomUUID(),
    secrets,
    ...(options.signal ? { external: options.signal } : {}),
    ...(options.betweenPhases ? { betweenPhases: options.betweenPhases } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.stdout ? { stdout: options.stdout } : {}),
    ...(options.timeline ? { timeline: options.timeline } : {}),
  });
  try {
    const response = options.sequential ? await run.sequential() : await run.parallel();
    return { buildId: run.buildId, response, results: run.recordedResults(), timeline: run.timeline.entries, timelineStartedAt: run.timeline.startedAt, warnings: run.warnings };
  } catch (error) {
    if (options.signal?.aborted) throw error instanceof AbortedError ? error : new AbortedError("export", options.signal.reason);
    throw error;
  }
}


// A secret that is not a string would be skipped by the masking without a word: refuse it.
function checkSecrets(secrets: unknown): readonly string[] {
  if (secrets === undefined) return [];
  if (!Array.isArray(secrets)) throw new InvalidOptionError("runExport", "secrets", String(secrets), "an array of strings, the values never to write");
  for (const [index, value] of secrets.entries()) {
    if (typeof value !== "string") throw new InvalidOptionError("runExport", `secrets[${index}]`, String(value), "a string (a password, a token, a secret build arg's value)");
  }
  return secrets as readonly string[];
}
