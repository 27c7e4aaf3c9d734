import type { TimelineEntry } from "@exp/coordinator";
import type { BytesEvent, VertexEvent } from "@exp/solver";
import { shortDigest } from "./util/format.js";

export interface TraceInput {
  /** ms since the epoch when the build started: the trace's time zero. May have a fraction (sub-ms). */
  startedAt: number;
  /** Every vertex event of the build and the export, `at` in ms since the epoch (fractions kept). */
  events: readonly VertexEvent[];
  /** The `uploading` byte events (others are ignored): one span per blob and vertex. */
  bytes?: readonly BytesEvent[];
  /** The coordinator's spans, whether the export succeeded, failed or was interrupted. */
  timeline?: readonly TimelineEntry[];
  /** ms since the epoch at which the timeline's `start`/`end` are 0 (Timeline.startedAt). */
  exportStartedAt?: number;
}

export interface ChromeTraceEvent {
  name: string;
  cat?: string;
  ph: "X" | "M";
  pid: number;
  tid: number;
  /** µs since the build started (sub-millisecond: the events' times are taken to the µs). */
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

interface Placed {
  name: string;
  cat: string;
  start: number;
  end: number;
  args: Record<string, unknown>;
}

const pid = 1;

/**
 * A Chrome trace (chrome://tracing, Perfetto) of the build: the build steps on "build" lanes, and
 * one lane (tid) per exporter vertex with its phases (create, finalize, cache-create, ...) from
 * the coordinator's timeline, its sub-steps (pushes) from the progress events and one span per
 * blob upload (from its first `uploading` byte count to the one that reaches the blob's size).
 * Spans on one lane follow each other or nest in their parent, never overlap otherwise (the viewers
 * draw a lane as a stack): a span that would is put on a further lane of the same exporter
 * ("export-0: … (2)"), so parallel uploads show side by side.
 * Without a timeline (the export never started) exporter spans come from the progress events.
 */
export function chromeTrace(input: TraceInput): ChromeTrace {
  // Whole µs (Chrome's unit): finer is below what an epoch time in ms as a double can hold.
  const us = (ms: number) => Math.round(ms * 1000);
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
  const emit = (tid: number, s: Placed) =>
    events.push({ name: s.name, cat: s.cat, ph: "X", pid, tid, ts: Math.max(0, us(s.start - input.startedAt)), dur: Math.max(0, us(s.end - s.start)), args: s.args });

  // Build steps: greedy lanes so that spans on one lane never overlap.
  const lanes: number[] = [];
  for (const s of spans.filter((s) => s.parent === undefined && !isExportVertex(s.id)).sort((a, b) => a.start - b.start)) {
    let lane = lanes.findIndex((end) => end <= s.start);
    if (lane < 0) lane = lanes.push(0) - 1;
    lanes[lane] = s.end;
    emit(thread(`build-${lane}`, lane === 0 ? "build" : `build ${lane + 1}`), { name: s.name, cat: "build", start: s.start, end: s.end, args: { vertex: s.id, status: s.status } });
  }
  for (const s of spans.filter((s) => s.parent !== undefined && !isExportVertex(rootOf(s.id)))) {
    emit(thread("build-0", "build"), { name: s.name, cat: "step", start: s.start, end: s.end, args: { vertex: s.id, status: s.status } });
  }

  // Per exporter vertex: its phases first (they hold everything else), then sub-steps and uploads.
  const names = new Map(spans.filter((s) => s.parent === undefined).map((s) => [s.id, s.name]));
  const perExporter = new Map<string, { phases: Placed[]; inner: Placed[] }>();
  const of = (vertex: string) => {
    let entry = perExporter.get(vertex);
    if (!entry) perExporter.set(vertex, (entry = { phases: [], inner: [] }));
    return entry;
  };
  if (input.timeline && input.exportStartedAt !== undefined) {
    const origin = input.exportStartedAt;
    for (const e of input.timeline) {
      of(e.vertex).phases.push({ name: e.phase, cat: "export", start: origin + e.start, end: origin + e.end, args: { vertex: e.vertex, name: e.name, status: e.status } });
    }
  } else {
    for (const s of spans.filter((s) => s.parent === undefined && isExportVertex(s.id))) {
      of(s.id).phases.push({ name: s.name, cat: "export", start: s.start, end: s.end, args: { vertex: s.id, status: s.status } });
    }
  }
  for (const s of spans.filter((s) => s.parent !== undefined && isExportVertex(rootOf(s.id)))) {
    of(rootOf(s.id)).inner.push({ name: s.name, cat: "step", start: s.start, end: s.end, args: { vertex: s.id, status: s.status } });
  }
  for (const u of uploadSpans(input.bytes ?? [])) {
    if (isExportVertex(rootOf(u.vertex))) of(rootOf(u.vertex)).inner.push(u.span);
  }
  for (const [vertex, { phases, inner }] of perExporter) {
    const label = `${vertex}: ${names.get(vertex) ?? vertex}`;
    const placed: Placed[][] = [[]];
    const laneTid = (i: number) => thread(i === 0 ? vertex : `${vertex} (${i + 1})`, i === 0 ? label : `${label} (${i + 1})`);
    for (const p of phases) placed[0]!.push(p);
    for (const s of [...inner].sort((a, b) => a.start - b.start || b.end - a.end)) {
      let lane = placed.findIndex((spansOnLane) => spansOnLane.every((other) => fits(s, other)));
      if (lane < 0) lane = placed.push([]) - 1;
      placed[lane]!.push(s);
    }
    placed.forEach((spansOnLane, i) => {
      if (spansOnLane.length === 0) return;
      const tid = laneTid(i);
      for (const s of spansOnLane) emit(tid, s);
    });
  }
  return { traceEvents: events, displayTimeUnit: "ms" };
}

/**
 * Two spans may share a lane when they do not meet, or when one holds the other and really is its
 * parent: a phase holds anything of its exporter, a step holds its own sub-steps and uploads. Two
 * uploads running at once, or two sibling steps, go on separate lanes rather than look nested.
 */
function fits(a: Placed, b: Placed): boolean {
  if (a.end <= b.start || b.end <= a.start) return true;
  if (a.start >= b.start && a.end <= b.end && holds(b, a)) return true;
  return b.start >= a.start && b.end <= a.end && holds(a, b);
}

function holds(outer: Placed, inner: Placed): boolean {
  if (outer.cat === "export") return true;
  if (outer.cat !== "step") return false;
  const [o, i] = [String(outer.args.vertex), String(inner.args.vertex)];
  return inner.cat === "upload" ? i === o || i.startsWith(`${o}/`) : i.startsWith(`${o}/`);
}

function rootOf(vertex: string): string {
  return vertex.split("/")[0]!;
}

function isExportVertex(id: string): boolean {
  return /^(export|cache)-/.test(id);
}

/**
 * One span per (vertex, blob) upload: from its first `uploading` event to the first that reaches
 * its size; one that never does (the push failed or was interrupted) ends at its last event.
 */
function uploadSpans(bytes: readonly BytesEvent[]): Array<{ vertex: string; span: Placed }> {
  const open = new Map<string, { first: BytesEvent; last: BytesEvent; done?: BytesEvent }>();
  for (const event of bytes) {
    if (event.action !== "uploading") continue;
    const key = `${event.vertex}\0${event.id}`;
    const upload = open.get(key);
    if (!upload) {
      open.set(key, { first: event, last: event, ...(isDone(event) ? { done: event } : {}) });
      continue;
    }
    if (upload.done) continue;
    upload.last = event;
    if (isDone(event)) upload.done = event;
  }
  return [...open.values()].map(({ first, last, done }) => {
    const end = done ?? last;
    const total = end.total ?? end.current;
    return {
      vertex: first.vertex,
      span: { name: `uploading ${shortDigest(first.id)}`, cat: "upload", start: first.at, end: end.at, args: { vertex: first.vertex, blob: first.id, bytes: total, status: done ? "completed" : "unfinished" } },
    };
  });
}

function isDone(event: BytesEvent): boolean {
  return event.total !== undefined && event.current >= event.total;
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
