import type { TimelineEntry } from "@exp/coordinator";
import type { VertexEvent } from "@exp/solver";

export interface TraceInput {
  /** ms since the epoch when the build started: the trace's time zero. */
  startedAt: number;
  /** Every vertex event of the build and the export. */
  events: readonly VertexEvent[];
  /** The coordinator's spans, when the export ran to its end (successfully or not). */
  timeline?: readonly TimelineEntry[];
  /** ms since the epoch when runExport was called: the timeline's zero. */
  exportStartedAt?: number;
}

export interface ChromeTraceEvent {
  name: string;
  cat?: string;
  ph: "X" | "M";
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: "ms";
}

interface Span {
  id: string;
  parent?: string;
  name: string;
  start: number;
  end: number;
  status: string;
}

const pid = 1;

/**
 * A Chrome trace (chrome://tracing, Perfetto) of the build: the build steps on "build" lanes, and
 * one lane (tid) per exporter vertex with its phases (create, finalize, cache-create, ...) from
 * the coordinator's timeline and its sub-steps (pushes) from the progress events. Without a
 * timeline (the export never ran) exporter spans come from the progress events alone.
 */
export function chromeTrace(input: TraceInput): ChromeTrace {
  const us = (epochMs: number) => Math.max(0, Math.round((epochMs - input.startedAt) * 1000));
  const spans = vertexSpans(input.events);
  const events: ChromeTraceEvent[] = [];
  const threads = new Map<string, number>();
  const thread = (key: string, label: string): number => {
    let tid = threads.get(key);
    if (tid === undefined) {
      threads.set(key, (tid = threads.size + 1));
      events.push({ name: "thread_name", ph: "M", pid, tid, args: { name: label } });
    }
    return tid;
  };
  const span = (tid: number, name: string, cat: string, start: number, end: number, args: Record<string, unknown>) =>
    events.push({ name, cat, ph: "X", pid, tid, ts: us(start), dur: Math.max(0, Math.round((end - start) * 1000)), args });

  // Build steps: greedy lanes so that spans on one lane never overlap.
  const lanes: number[] = [];
  for (const s of spans.filter((s) => s.parent === undefined && !isExportVertex(s.id)).sort((a, b) => a.start - b.start)) {
    let lane = lanes.findIndex((end) => end <= s.start);
    if (lane < 0) lane = lanes.push(0) - 1;
    lanes[lane] = s.end;
    span(thread(`build-${lane}`, lane === 0 ? "build" : `build ${lane + 1}`), s.name, "build", s.start, s.end, { vertex: s.id, status: s.status });
  }

  const names = new Map(spans.filter((s) => s.parent === undefined).map((s) => [s.id, s.name]));
  const exporterThread = (vertex: string) => thread(vertex, `${vertex}: ${names.get(vertex) ?? vertex}`);
  if (input.timeline && input.exportStartedAt !== undefined) {
    const origin = input.exportStartedAt;
    for (const entry of input.timeline) {
      span(exporterThread(entry.vertex), entry.phase, "export", origin + entry.start, origin + entry.end, { vertex: entry.vertex, name: entry.name, status: entry.status });
    }
  } else {
    for (const s of spans.filter((s) => s.parent === undefined && isExportVertex(s.id))) {
      span(exporterThread(s.id), s.name, "export", s.start, s.end, { vertex: s.id, status: s.status });
    }
  }
  for (const s of spans.filter((s) => s.parent !== undefined)) {
    const root = s.id.split("/")[0]!;
    span(isExportVertex(root) ? exporterThread(root) : thread("build-0", "build"), s.name, "step", s.start, s.end, { vertex: s.id, status: s.status });
  }
  return { traceEvents: events, displayTimeUnit: "ms" };
}

function isExportVertex(id: string): boolean {
  return /^(export|cache)-/.test(id);
}

/** Pairs each vertex's start with its end (a vertex may run twice, e.g. an exporter's create then finalize). */
function vertexSpans(events: readonly VertexEvent[]): Span[] {
  const open = new Map<string, VertexEvent>();
  const spans: Span[] = [];
  for (const event of events) {
    if (event.status === "started") {
      if (!open.has(event.id)) open.set(event.id, event);
      continue;
    }
    const started = open.get(event.id);
    open.delete(event.id);
    spans.push({ id: event.id, ...(event.parent === undefined ? {} : { parent: event.parent }), name: event.name, start: started?.at ?? event.at, end: event.at, status: event.status });
  }
  const last = events.at(-1)?.at ?? 0;
  for (const started of open.values()) {
    spans.push({ id: started.id, ...(started.parent === undefined ? {} : { parent: started.parent }), name: started.name, start: started.at, end: last, status: "unfinished" });
  }
  return spans;
}
