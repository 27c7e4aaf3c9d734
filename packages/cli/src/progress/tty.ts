import type { ProgressEvent } from "@exp/solver";
import { BuildView, statusBytes, statusOutcome, type StatusLine, type ViewVertex } from "./build-view.js";
import { warningsSummary, type ProgressPrinter, type Write } from "./printer.js";

export interface TtyPrinterOptions {
  /** Terminal width (lines are cut to fit, so a redraw never miscounts wrapped lines). Default 80. */
  columns?: number;
  /** Terminal height: while running, only the lines that fit are shown. Default 10, as buildx without a size. */
  rows?: number;
  /** Redraw period; 0 draws only on close (tests). Default 150. */
  intervalMs?: number;
  color?: boolean;
  now?: () => number;
}

/** One line of the view: a vertex or one of its status lines. */
interface Job {
  name: string;
  status?: string;
  start: number;
  stop?: number;
  color?: string;
}

const ESC = "\x1b[";
// buildx's colours (progressui/init.go): blue for what ended, red for errors, yellow for cancels and warnings.
const colors = { run: `${ESC}34m`, error: `${ESC}31m`, cancel: `${ESC}33m`, reset: `${ESC}0m` };

/**
 * buildx's `--progress=tty` (BuildKit's progressui ttyDisplay.print), redrawn in place:
 *
 *     [+] Building 2.6s (5/5) FINISHED
 *      => [internal] load build context                                    0.0s
 *      => [1/2] COPY app /app                                              0.1s
 *      => exporting to image                                               1.9s
 *      => => exporting layers                                              0.2s
 *      => => pushing layers                                                1.5s
 *      => => uploading sha256:0123… 1.20MB / 3.40MB                        0.9s
 *
 * Two levels only: each top-level vertex, then its status lines (sub-steps and blobs). The
 * count is of top-level vertices; FINISHED is added when every one of them has ended.
 */
export class TtyPrinter implements ProgressPrinter {
  private readonly view = new BuildView();
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
    if (!this.closed) this.view.apply(event);
  }

  warn(message: string): void {
    this.view.warnings.add(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.draw(true);
    const summary = warningsSummary(this.view.warnings.items);
    if (summary) this.write(summary);
  }

  /** The lines of the view, without colour; `final` shows every line and may say FINISHED. */
  render(final: boolean): string[] {
    return this.lines(final).map((l) => l.text);
  }

  private lines(final: boolean): Array<{ text: string; color?: string }> {
    const now = this.now();
    const width = Math.max(40, this.options.columns ?? 80);
    const { completed, total } = this.view.counts();
    const finished = final && completed > 0 && completed === total ? " FINISHED" : "";
    const header = `[+] Building ${((now - this.startedAt) / 1000).toFixed(1)}s (${completed}/${total})${finished}`;
    let jobs = [...this.view.vertices.values()].flatMap((v) => jobsOf(v));
    if (!final) jobs = wrapHeight(jobs, (this.options.rows ?? 10) - 2);
    const out: Array<{ text: string; color?: string }> = [{ text: header.slice(0, width) }];
    for (const job of jobs) {
      const line = jobLine(job, width, now);
      if (line !== undefined) out.push({ text: line, ...(job.stop !== undefined && job.color ? { color: job.color } : {}) });
    }
    return out;
  }

  private draw(final: boolean): void {
    if (this.view.vertices.size === 0) return;
    const lines = this.lines(final);
    const colored = lines.map((l) => (l.color && this.options.color !== false ? `${l.color}${l.text}${colors.reset}` : l.text));
    // Back to the top of what was drawn last time, and clear it: the new view may be shorter.
    const clear = this.drawn > 0 ? `${ESC}${this.drawn}A\r${ESC}J` : "";
    this.write(`${clear}${colored.join("\n")}\n`);
    this.drawn = lines.length;
  }
}

/** A vertex's line, then its status lines and warnings, as progressui's displayInfo lists them. */
function jobsOf(v: ViewVertex): Job[] {
  const label = v.state === "cached" ? `CACHED ${v.name}` : v.state === "error" ? `ERROR ${v.name}` : v.state === "canceled" ? `CANCELED ${v.name}` : v.name;
  const color = v.state === "error" ? colors.error : v.state === "canceled" ? colors.cancel : colors.run;
  const jobs: Job[] = [];
  if (v.start !== undefined) jobs.push({ name: label, start: v.start, ...(v.end === undefined ? {} : { stop: v.end }), color });
  for (const line of v.statuses.values()) jobs.push(statusJob(line));
  const at = v.end ?? v.start ?? 0;
  for (const w of v.warnings) jobs.push({ name: `WARN: ${w}`, start: at, stop: at, color: colors.cancel });
  return jobs;
}

function statusJob(line: StatusLine): Job {
  const status = statusBytes(line);
  const outcome = statusOutcome(line);
  return {
    name: `=> ${line.text}${outcome ? ` ${outcome}` : ""}`,
    ...(status ? { status } : {}),
    start: line.started,
    ...(line.completed === undefined ? {} : { stop: line.completed }),
    color: line.outcome === "error" ? colors.error : line.outcome === "canceled" ? colors.cancel : colors.run,
  };
}

/**
 * ` => name [status]` padded so the time ends at the last column but one (`align` in progressui);
 * the status only when at least 20 columns are left for it, nothing on a screen too narrow.
 */
function jobLine(job: Job, width: number, now: number): string | undefined {
  const prefix = " => ";
  let seconds = ((job.stop ?? now) - job.start) / 1000;
  if (seconds < 0.05) seconds = 0;
  const timer = ` ${seconds.toFixed(1).padStart(3)}s`;
  // progressui counts the timer's newline in its width arithmetic: one column is left free.
  let left = width - prefix.length - timer.length - 2;
  let showStatus = false;
  if (job.status !== undefined && left + job.status.length > 20) {
    showStatus = true;
    left -= job.status.length + 1;
  }
  if (left < 12) return undefined;
  const name = job.name.length > left ? job.name.slice(0, left) : job.name;
  const text = `${prefix}${name}${showStatus ? ` ${job.status}` : ""}`;
  return `${text.padEnd(width - timer.length - 2)} ${timer}`;
}

/**
 * While running, only the lines that fit: the newest, with any unfinished line that would be cut
 * at the top brought back in place of finished ones (progressui wrapHeight).
 */
function wrapHeight(jobs: Job[], limit: number): Job[] {
  if (limit < 0) return [];
  if (jobs.length <= limit) return jobs;
  let wrapped = jobs.slice(jobs.length - limit);
  const invisible = jobs.slice(0, jobs.length - limit).filter((j) => j.stop === undefined);
  if (invisible.length > 0) {
    let l = invisible.length;
    const rewrapped: Job[] = [];
    for (const j of wrapped) {
      if (j.stop === undefined || l <= 0) rewrapped.push(j);
      l--;
    }
    const free = wrapped.length - rewrapped.length;
    wrapped = [...invisible.slice(invisible.length - free), ...rewrapped];
  }
  return wrapped;
}
