import type { BytesEvent, ProgressEvent, VertexEvent } from "@exp/solver";
import { formatBytes, formatSeconds, shortDigest } from "../util/format.js";
import { WarningList, warningsSummary, type ProgressPrinter, type Write } from "./printer.js";

export interface PlainPrinterOptions {
  /** Byte progress of one blob is printed at most this often (first and last update always). Default 1000. */
  bytesIntervalMs?: number;
}

/**
 * buildx's `--progress=plain`: one line per state change, each prefixed with its vertex number,
 * and a blank line whenever the output moves to another vertex:
 *
 *     #3 COPY app /app
 *     #3 DONE 0.1s
 *
 *     #4 exporting to image
 *     #4 pushing layers
 *     #4 uploading sha256:0123456789ab 1.2MB / 3.4MB
 *     #4 pushing layers 0.8s done
 *     #4 DONE 0.9s
 *
 * Sub-steps (an exporter's pushes) print under their top-level vertex's number, so parallel
 * pushes stay attributed. Nothing is ever redrawn: it is meant for logs and CI.
 */
export class PlainPrinter implements ProgressPrinter {
  private readonly numbers = new Map<string, number>();
  private readonly parents = new Map<string, string>();
  private readonly starts = new Map<string, number>();
  private readonly announced = new Set<string>();
  private readonly bytes = new Map<string, { at: number; done: boolean }>();
  private readonly warnings = new WarningList();
  private readonly interval: number;
  /** The vertex number of the last line printed, "free" after a line of no vertex. */
  private lastGroup: number | "free" | undefined;
  private closed = false;

  constructor(
    private readonly write: Write,
    options: PlainPrinterOptions = {},
  ) {
    this.interval = options.bytesIntervalMs ?? 1000;
  }

  onEvent(event: ProgressEvent): void {
    switch (event.type) {
      case "vertex":
        return this.vertex(event);
      case "bytes":
        return this.bytesEvent(event);
      case "log":
        return this.line(this.number(event.vertex), event.message);
      case "warning":
        if (!this.warnings.add(event.message)) return;
        if (event.vertex === undefined) this.free(`WARNING: ${event.message}`);
        else this.line(this.number(event.vertex), `WARNING: ${event.message}`);
    }
  }

  warn(message: string): void {
    this.warnings.add(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const summary = warningsSummary(this.warnings.items);
    if (summary) this.free(summary.trimEnd());
  }

  private vertex(event: VertexEvent): void {
    if (event.parent !== undefined) this.parents.set(event.id, event.parent);
    const n = this.number(event.id);
    const child = event.parent !== undefined;
    const elapsed = () => formatSeconds(event.at - (this.starts.get(event.id) ?? event.at));
    if (event.status === "started") {
      this.starts.set(event.id, event.at);
      this.announced.add(event.id);
      this.line(n, event.name);
      return;
    }
    if (!child && !this.announced.has(event.id)) {
      this.announced.add(event.id);
      this.line(n, event.name);
    }
    const prefix = child ? `${event.name} ` : "";
    switch (event.status) {
      case "completed":
        this.line(n, child ? `${prefix}${elapsed()} done` : `DONE ${elapsed()}`);
        break;
      case "cached":
        this.line(n, `${prefix}CACHED`);
        break;
      case "error":
        this.line(n, `${prefix}ERROR: ${event.error ?? "failed"}`);
        break;
      case "canceled":
        this.line(n, `${prefix}CANCELED`);
        break;
    }
  }

  private bytesEvent(event: BytesEvent): void {
    const key = `${event.vertex}|${event.id}|${event.action}`;
    const done = event.total !== undefined && event.current >= event.total;
    const previous = this.bytes.get(key);
    if (previous?.done) return;
    if (previous && !done && event.at - previous.at < this.interval) return;
    this.bytes.set(key, { at: event.at, done });
    const amount = event.total === undefined ? formatBytes(event.current) : `${formatBytes(event.current)} / ${formatBytes(event.total)}`;
    this.line(this.number(event.vertex), `${event.action} ${shortDigest(event.id)} ${amount}${done ? " done" : ""}`);
  }

  /** The number of a vertex's top-level ancestor; new top-level vertices are numbered in order of appearance. */
  private number(id: string): number {
    let root = id;
    for (let parent = this.parents.get(root); parent !== undefined; parent = this.parents.get(root)) root = parent;
    // A sub-step seen before its parent's own event: its id starts with the parent's.
    if (!this.numbers.has(root) && root.includes("/")) root = root.slice(0, root.indexOf("/"));
    let n = this.numbers.get(root);
    if (n === undefined) this.numbers.set(root, (n = this.numbers.size + 1));
    return n;
  }

  private line(n: number, text: string): void {
    if (this.lastGroup !== undefined && this.lastGroup !== n) this.write("\n");
    this.lastGroup = n;
    this.write(`#${n} ${text}\n`);
  }

  /** A line that belongs to no vertex. */
  private free(text: string): void {
    if (this.lastGroup !== undefined && this.lastGroup !== "free") this.write("\n");
    this.lastGroup = "free";
    this.write(`${text}\n`);
  }
}
