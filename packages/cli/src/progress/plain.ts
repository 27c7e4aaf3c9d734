import type { ProgressEvent } from "@exp/solver";
import { BuildView, statusBytes, statusOutcome, type StatusLine, type ViewVertex } from "./build-view.js";
import { warningsSummary, type ProgressPrinter, type Write } from "./printer.js";
import { progressSeconds } from "./units.js";

export interface PlainPrinterOptions {
  /**
   * Events are gathered this long before printing, as buildx prints on a tick: a step that starts
   * and ends within one tick is one `... done` line. 0 prints at every event (tests). Default 100.
   */
  tickMs?: number;
  /** How long another vertex's news may wait while one vertex holds the output. Default 10 s (buildx's maxDelay). */
  maxDelayMs?: number;
}

// buildx prints a status again only when it moved 5% or 5 s passed (progressui printer.go).
const minTimeDelta = 5000;
const minProgressDelta = 0.05;

/**
 * buildx's `--progress=plain` (BuildKit's progressui textMux): one vertex holds the output at a
 * time; its lines carry its number, a blank line and its name again mark every switch, and a
 * vertex left unfinished is marked `#n ...`:
 *
 *     #3 exporting to image
 *     #3 exporting layers 0.2s done
 *     #3 pushing layers
 *     #3 uploading sha256:0123… 1.20MB / 3.40MB 0.4s
 *     #3 ...
 *
 *     #4 exporting cache to registry
 *     #4 writing layer sha256:… 0.1s done
 *     #4 DONE 0.3s
 *
 *     #3 exporting to image
 *     #3 uploading sha256:0123… 3.40MB / 3.40MB 0.9s done
 *     #3 pushing layers 1.0s done
 *     #3 DONE 1.2s
 *
 * What ended is printed first; another vertex's news waits while the current one is busy, at most
 * `maxDelayMs`. Nothing is redrawn: it is meant for logs and CI.
 */
export class PlainPrinter implements ProgressPrinter {
  private readonly view = new BuildView();
  private readonly numbers = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private readonly printed = new Map<string, { current: number; at: number }>();
  private readonly cursors = new Map<string, { logs: number; warnings: number }>();
  /** Vertices whose DONE / CACHED / ERROR line is out: news after it (a late warning) does not repeat it. */
  private readonly ended = new Set<string>();
  private readonly maxDelay: number;
  private readonly tick: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastAt = 0;
  private current: string | undefined;
  private notFirst = false;
  private closed = false;

  constructor(
    private readonly write: Write,
    options: PlainPrinterOptions = {},
  ) {
    this.maxDelay = options.maxDelayMs ?? 10_000;
    this.tick = options.tickMs ?? 100;
  }

  onEvent(event: ProgressEvent): void {
    if (this.closed) return;
    const v = this.view.apply(event);
    if (v && !this.pending.has(v.key)) this.pending.set(v.key, event.at);
    this.lastAt = Math.max(this.lastAt, event.at);
    if (this.tick === 0) this.flush(this.lastAt);
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush(this.lastAt);
      }, this.tick);
      this.timer.unref?.();
    }
  }

  warn(message: string): void {
    this.view.warnings.add(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.flush(this.lastAt);
    // Whatever is still waiting is printed, the current vertex first.
    if (this.current !== undefined && this.pending.has(this.current)) this.print(this.vertex(this.current));
    for (const key of [...this.pending.keys()]) this.print(this.vertex(key));
    const summary = warningsSummary(this.view.warnings.items);
    if (summary) this.write(`${this.notFirst ? "\n" : ""}${summary}`);
  }

  private flush(now: number): void {
    const waiting = [...this.pending.keys()].map((key) => this.vertex(key));
    const ended = waiting.filter((v) => v.state !== "started").sort((a, b) => (a.key === this.current ? -1 : b.key === this.current ? 1 : (a.end ?? 0) - (b.end ?? 0)));
    for (const v of ended) this.print(v);
    const running = waiting.filter((v) => v.state === "started");
    const current = this.current === undefined ? undefined : running.find((v) => v.key === this.current);
    if (current) this.print(current);
    else if (this.current === undefined && running.length > 0) this.print(running[0]!);
    // The current vertex keeps the output; news that waited too long is shown anyway.
    for (const v of running) {
      if (v.key !== this.current && this.pending.has(v.key) && now - this.pending.get(v.key)! >= this.maxDelay) this.print(v);
    }
  }

  private print(v: ViewVertex): void {
    this.pending.delete(v.key);
    let n = this.numbers.get(v.key);
    if (n === undefined) this.numbers.set(v.key, (n = this.numbers.size + 1));
    if (v.key !== this.current) {
      if (this.current !== undefined) this.write(`#${this.numbers.get(this.current)} ...\n`);
      if (this.notFirst) this.write("\n");
      this.notFirst = true;
      this.write(`#${n} ${v.name}\n`);
    }
    let open = false;
    // In the order things happened: a step's last blob before the step's own "done".
    const changed = [...v.statuses.values()].filter((line) => v.changed.has(line.key)).sort((x, y) => (x.completed ?? x.updatedAt) - (y.completed ?? y.updatedAt));
    for (const line of changed) {
      if (line.completed === undefined) open = true;
      if (!this.due(line)) continue;
      this.write(`#${n} ${statusText(line)}\n`);
    }
    v.changed.clear();
    const cursor = this.cursors.get(v.key) ?? { logs: 0, warnings: 0 };
    for (const w of v.warnings.slice(cursor.warnings)) this.write(`#${n} WARN: ${w}\n`);
    for (const log of v.logs.slice(cursor.logs)) this.write(`#${n} ${log}\n`);
    this.cursors.set(v.key, { logs: v.logs.length, warnings: v.warnings.length });
    this.current = v.key;
    if (v.state === "started" || open) return;
    this.current = undefined;
    if (this.ended.has(v.key)) return;
    this.ended.add(v.key);
    if (v.state === "error") this.write(`#${n} ERROR: ${v.error ?? "failed"}\n`);
    else if (v.state === "canceled") this.write(`#${n} CANCELED\n`);
    else if (v.state === "cached") this.write(`#${n} CACHED\n`);
    else this.write(`#${n} DONE ${progressSeconds((v.end ?? 0) - (v.start ?? v.end ?? 0))}\n`);
  }

  /** A status is printed when it ends, the first time, or when it moved 5% or 5 s since it was last printed. */
  private due(line: StatusLine): boolean {
    const last = this.printed.get(line.key);
    if (last && line.completed === undefined) {
      const progress = line.total ? ((line.current ?? 0) - last.current) / line.total : 0;
      if (progress < minProgressDelta && line.updatedAt - last.at < minTimeDelta) return false;
    }
    this.printed.set(line.key, { current: line.current ?? 0, at: line.updatedAt });
    return true;
  }

  private vertex(key: string): ViewVertex {
    return this.view.vertices.get(key)!;
  }
}

/** `pushing layers 1.0s done`, `uploading sha256:… 1.20MB / 3.40MB 0.4s` (progressui printVtx). */
function statusText(line: StatusLine): string {
  const moved = statusBytes(line);
  const bytes = moved ? ` ${moved}` : "";
  const seconds = ((line.completed ?? line.updatedAt) - line.started) / 1000;
  const time = seconds > 0.01 ? ` ${seconds.toFixed(1)}s` : "";
  const end = line.completed === undefined ? "" : ` ${statusOutcome(line) ?? "done"}`;
  return `${line.text}${bytes}${time}${end}`;
}
