import type { BytesEvent, ProgressEvent, VertexEvent, VertexStatus } from "@exp/solver";
import { WarningList } from "./printer.js";
import { progressBytes } from "./units.js";

/**
 * One line under a vertex, as BuildKit's progress has "statuses" under a vertex: a sub-step (an
 * exporter's "pushing layers") or a blob moving (`uploading sha256:…  1.20MB / 3.40MB`).
 */
export interface StatusLine {
  readonly key: string;
  /** What the line says, e.g. "pushing layers" or "uploading sha256:…". */
  readonly text: string;
  current?: number;
  total?: number;
  started: number;
  completed?: number;
  /** How a sub-step ended when it did not simply finish. */
  outcome?: "error" | "canceled" | "cached";
  /** When it last changed (ms since the epoch). */
  updatedAt: number;
}

/** A top-level vertex: a build step, `[internal] load build context`, an exporter. */
export interface ViewVertex {
  readonly key: string;
  name: string;
  state: VertexStatus;
  start?: number;
  end?: number;
  error?: string;
  readonly statuses: Map<string, StatusLine>;
  /** Status keys changed since a printer last took them (plain mode prints only those). */
  readonly changed: Set<string>;
  readonly logs: string[];
  readonly warnings: string[];
}

/**
 * The build as buildx shows it: a flat list of top-level vertices, each with its status lines.
 * exp's progress events form a tree (an exporter's push is a child of the exporter's vertex, a
 * blob's bytes belong to the push); buildx's display has two levels, so everything below a
 * top-level vertex becomes one of its status lines, named by what it is, never by an internal id.
 * Both the tty and the plain printer render this one model, so they always agree.
 */
export class BuildView {
  readonly vertices = new Map<string, ViewVertex>();
  readonly warnings = new WarningList();
  private readonly parents = new Map<string, string>();

  /** Applies an event; returns the top-level vertex it changed, if any. */
  apply(event: ProgressEvent): ViewVertex | undefined {
    switch (event.type) {
      case "vertex":
        return this.vertexEvent(event);
      case "bytes":
        return this.bytesEvent(event);
      case "log": {
        const top = this.top(event.vertex, event.at);
        top.logs.push(event.message);
        return top;
      }
      case "warning": {
        if (!this.warnings.add(event.message) || event.vertex === undefined) return undefined;
        const top = this.top(event.vertex, event.at);
        top.warnings.push(event.message);
        return top;
      }
    }
  }

  /** Top-level vertices: how many there are, and how many have ended (buildx's `(n/m)`). */
  counts(): { completed: number; total: number } {
    let completed = 0;
    for (const v of this.vertices.values()) if (v.state !== "started") completed++;
    return { completed, total: this.vertices.size };
  }

  private vertexEvent(event: VertexEvent): ViewVertex {
    if (event.parent !== undefined) {
      this.parents.set(event.id, event.parent);
      const top = this.top(event.id, event.at);
      const line = this.line(top, event.id, event.name, event.at);
      if (event.status === "started") {
        line.started = event.at;
        delete line.completed;
        delete line.outcome;
      } else {
        line.completed = event.at;
        if (event.status !== "completed") line.outcome = event.status;
      }
      line.updatedAt = event.at;
      top.changed.add(line.key);
      return top;
    }
    const v = this.top(event.id, event.at);
    v.name = event.name;
    if (event.status === "started") {
      v.start ??= event.at;
      delete v.end;
    } else {
      v.start ??= event.at;
      v.end = event.at;
      if (event.error !== undefined) v.error = event.error;
      // A vertex that ended leaves no bar running under it.
      for (const line of v.statuses.values()) {
        if (line.completed !== undefined) continue;
        line.completed = event.at;
        if (line.total !== undefined && line.current !== undefined && line.current < line.total && event.status !== "completed") line.outcome = event.status === "cached" ? "cached" : "canceled";
        v.changed.add(line.key);
      }
    }
    v.state = event.status;
    return v;
  }

  private bytesEvent(event: BytesEvent): ViewVertex {
    const top = this.top(event.vertex, event.at);
    const line = this.line(top, `${event.vertex}|${event.action}|${event.id}`, `${event.action} ${event.id}`, event.at);
    line.current = event.current;
    if (event.total !== undefined) line.total = event.total;
    if (line.total !== undefined && event.current >= line.total) line.completed = event.at;
    line.updatedAt = event.at;
    top.changed.add(line.key);
    return top;
  }

  private line(top: ViewVertex, key: string, text: string, at: number): StatusLine {
    let line = top.statuses.get(key);
    if (!line) {
      line = { key, text, started: at, updatedAt: at };
      top.statuses.set(key, line);
    }
    return line;
  }

  /** The top-level vertex an id belongs to, created (as started) the first time it is named. */
  private top(id: string, at: number): ViewVertex {
    let key = id;
    for (let parent = this.parents.get(key); parent !== undefined; parent = this.parents.get(key)) key = parent;
    // A sub-step seen before its parent's own event: ids of sub-steps start with their parent's.
    if (!this.vertices.has(key) && key.includes("/")) key = key.slice(0, key.indexOf("/"));
    let v = this.vertices.get(key);
    if (!v) {
      v = { key, name: key, state: "started", start: at, statuses: new Map(), changed: new Set(), logs: [], warnings: [] };
      this.vertices.set(key, v);
    }
    return v;
  }
}

/** How far a blob moved, as BuildKit prints a status: `1.20MB / 3.40MB`, `4.10kB` (no total), or undefined. */
export function statusBytes(line: StatusLine): string | undefined {
  if (line.total) return `${progressBytes(line.current ?? 0)} / ${progressBytes(line.total)}`;
  return line.current ? progressBytes(line.current) : undefined;
}

/** A sub-step that ended other than by finishing: `ERROR`, `CANCELED` or `CACHED`. */
export function statusOutcome(line: StatusLine): string | undefined {
  return line.outcome?.toUpperCase();
}
