import { performance } from "node:perf_hooks";

export type PhaseName = "inline-cache" | "create" | "cache-create" | "finalize" | "cache-finalize";

/** One span of work, in ms since the run started. */
export interface TimelineEntry {
  phase: PhaseName;
  /** The progress vertex of the exporter, e.g. "export-0" or "cache-1". */
  vertex: string;
  name: string;
  start: number;
  end: number;
  status: "completed" | "error" | "canceled" | "ignored-error";
}

/**
 * Records spans; `measure` never changes what the wrapped work returns or throws. A caller that
 * passes its own to runExport (`timeline`) keeps the spans when the export fails or is
 * interrupted, for a trace of what ran until then.
 */
export class Timeline {
  readonly entries: TimelineEntry[] = [];
  private readonly origin = performance.now();
  /** ms since the epoch (sub-millisecond, from the monotonic clock) at which `start`/`end` are 0. */
  readonly startedAt = performance.timeOrigin + this.origin;

  async measure<T>(phase: PhaseName, vertex: string, name: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    const start = performance.now() - this.origin;
    const record = (status: TimelineEntry["status"]) =>
      this.entries.push({ phase, vertex, name, start, end: performance.now() - this.origin, status });
    try {
      const value = await work();
      record("completed");
      return value;
    } catch (error) {
      record(signal.aborted && signal.reason !== error ? "canceled" : "error");
      throw error;
    }
  }

  /** Marks the latest span of a vertex as an error that was ignored (cache `ignore-error=true`). */
  markIgnored(vertex: string): void {
    const entry = this.entries.findLast((e) => e.vertex === vertex);
    if (entry) entry.status = "ignored-error";
  }
}
