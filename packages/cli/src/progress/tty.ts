import type { BytesEvent, ProgressEvent, VertexStatus } from "@exp/solver";
import { formatBytes, formatSeconds, shortDigest } from "../util/format.js";
import { WarningList, warningsSummary, type ProgressPrinter, type Write } from "./printer.js";

export interface TtyPrinterOptions {
  /** Terminal width (lines are cut to fit, so a redraw never miscounts wrapped lines). Default 80. */
  columns?: number;
  /** Terminal height: while running, only the newest lines that fit are shown. */
  rows?: number;
  /** Redraw period; 0 draws only on close (tests). Default 150. */
  intervalMs?: number;
  color?: boolean;
  now?: () => number;
}

interface VertexState {
  id: string;
  name: string;
  status: VertexStatus;
  start?: number;
  end?: number;
  error?: string;
  children: string[];
  /** Blobs moving under this vertex, by action and id. */
  bytes: Map<string, BytesEvent>;
}

const ESC = "\x1b[";
const colors = { done: `${ESC}34m`, error: `${ESC}31m`, cached: `${ESC}34m`, reset: `${ESC}0m` };

/**
 * buildx's `--progress=tty`: a view redrawn in place (ANSI cursor-up + clear). Each vertex shows
 * its state and time; an exporter's sub-steps and the blobs it is moving are listed under it with
 * `bytes / total`, so pushes that run in parallel are each visible under their own exporter.
 */
export class TtyPrinter implements ProgressPrinter {
  private readonly vertices = new Map<string, VertexState>();
  private readonly order: string[] = [];
  private readonly warnings = new WarningList();
  private readonly now: () => number;
  private readonly startedAt: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawn = 0;
  private closed = false;

  constructor(
    private readonly write: Write,
    private readonly options: TtyPrinterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    const interval = options.intervalMs ?? 150;
    if (interval > 0) {
      this.timer = setInterval(() => this.draw(false), interval);
      this.timer.unref?.();
    }
  }

  onEvent(event: ProgressEvent): void {
    if (this.closed) return;
    switch (event.type) {
      case "vertex": {
        const state = this.state(event.id, event.name, event.parent);
        state.name = event.name;
        if (event.status === "started") {
          state.start = event.at;
          delete state.end;
        } else {
          state.start ??= event.at;
          state.end = event.at;
        }
        state.status = event.status;
        if (event.error !== undefined) state.error = event.error;
        return;
      }
      case "bytes":
        this.state(event.vertex).bytes.set(`${event.action}|${event.id}`, event);
        return;
      case "warning":
        this.warnings.add(event.message);
        return;
      case "log":
        return;
    }
  }

  warn(message: string): void {
    this.warnings.add(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.draw(true);
    const summary = warningsSummary(this.warnings.items);
    if (summary) this.write(summary);
  }

  /** The lines of the current view (exported for tests through `render`). */
  render(final: boolean): string[] {
    const now = this.now();
    const all = [...this.vertices.values()];
    const finished = all.filter((v) => v.status !== "started").length;
    const header = `[+] Building ${formatSeconds(now - this.startedAt)} (${finished}/${all.length})${final ? " FINISHED" : ""}`;
    const lines: Array<{ text: string; time?: string; color?: string }> = [];
    for (const id of this.order) this.vertexLines(this.vertices.get(id)!, 0, now, lines);
    const width = Math.max(40, this.options.columns ?? 80) - 1;
    const out = [header];
    for (const line of lines) {
      const time = line.time ?? "";
      const room = width - time.length - 1;
      const text = line.text.length > room ? `${line.text.slice(0, Math.max(0, room - 3))}...` : line.text;
      const padded = time ? `${text.padEnd(room)} ${time}` : text;
      out.push(line.color && this.options.color !== false ? `${line.color}${padded}${colors.reset}` : padded);
    }
    if (!final && this.options.rows !== undefined && out.length > this.options.rows - 1) {
      const keep = Math.max(1, this.options.rows - 2);
      return [header, ...out.slice(out.length - keep)];
    }
    return out;
  }

  private vertexLines(v: VertexState, depth: number, now: number, lines: Array<{ text: string; time?: string; color?: string }>): void {
    const arrow = " =>".repeat(depth + 1) + " ";
    const label = v.status === "cached" ? `CACHED ${v.name}` : v.status === "error" ? `ERROR ${v.name}` : v.status === "canceled" ? `CANCELED ${v.name}` : v.name;
    const time = v.status === "cached" ? "0.0s" : v.start === undefined ? undefined : formatSeconds((v.end ?? now) - v.start);
    const color = v.status === "error" ? colors.error : v.status === "completed" || v.status === "cached" ? colors.done : undefined;
    lines.push({ text: `${arrow}${label}`, ...(time ? { time } : {}), ...(color ? { color } : {}) });
    if (v.status === "error" && v.error) lines.push({ text: `${" =>".repeat(depth + 2)} ${v.error}`, color: colors.error });
    for (const child of v.children) this.vertexLines(this.vertices.get(child)!, depth + 1, now, lines);
    if (v.status !== "started") return;
    for (const b of v.bytes.values()) {
      const done = b.total !== undefined && b.current >= b.total;
      const amount = b.total === undefined ? formatBytes(b.current) : `${formatBytes(b.current)} / ${formatBytes(b.total)}`;
      lines.push({ text: `${" =>".repeat(depth + 2)} ${b.action} ${shortDigest(b.id)} ${amount}${done ? " done" : ""}` });
    }
  }

  private state(id: string, name?: string, parent?: string): VertexState {
    let state = this.vertices.get(id);
    if (!state) {
      state = { id, name: name ?? id, status: "started", children: [], bytes: new Map() };
      this.vertices.set(id, state);
      const parentId = parent ?? (id.includes("/") ? id.slice(0, id.lastIndexOf("/")) : undefined);
      if (parentId !== undefined) this.state(parentId).children.push(id);
      else this.order.push(id);
    }
    return state;
  }

  private draw(final: boolean): void {
    if (this.vertices.size === 0) return;
    const lines = this.render(final);
    const clear = this.drawn > 0 ? `${ESC}${this.drawn}A\r${ESC}J` : "";
    this.write(`${clear}${lines.join("\n")}\n`);
    this.drawn = lines.length;
  }
}
