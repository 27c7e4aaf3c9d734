import { spawn } from "node:child_process";
import { open, readFile } from "node:fs/promises";

/**
 * What one whole process cost, as GNU time reports it from wait4's rusage: wall time, user and
 * system CPU of the process and every child it waited for, and the peak RSS of the largest of them.
 */
export interface Cost {
  wall_ms: number;
  cpu_s: number;
  max_rss_mib: number;
}

/** Runs `command` under `/usr/bin/time`, stdout and stderr into `<log>.out` and `<log>.err`. */
export async function timed(command: string, args: readonly string[], options: { log: string; signal: AbortSignal; env?: NodeJS.ProcessEnv }): Promise<Cost> {
  const stats = `${options.log}.time`;
  const out = await open(`${options.log}.out`, "w");
  const err = await open(`${options.log}.err`, "w");
  const started = performance.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn("/usr/bin/time", ["-o", stats, "-f", "%e %U %S %M", command, ...args], { stdio: ["ignore", out.fd, err.fd], signal: options.signal, env: options.env ?? process.env });
      child.once("error", reject);
      child.once("close", resolve);
    });
    const wall = performance.now() - started;
    if (code !== 0) {
      const tail = (await readFile(`${options.log}.err`, "utf8")).slice(-2000);
      throw new Error(`${command} ${args.join(" ")} exited with ${String(code)}:\n${tail}`);
    }
    const last = (await readFile(stats, "utf8")).trim().split("\n").pop()!;
    const [, user, sys, rss] = last.split(" ").map(Number) as [number, number, number, number];
    return { wall_ms: wall, cpu_s: user + sys, max_rss_mib: rss / 1024 };
  } finally {
    await out.close();
    await err.close();
  }
}

/** The steps issue 20 splits a build into, from exp's `--progress=rawjson` events, in ms. */
export interface StepSplit {
  /** "[internal] load build context": walking and hashing the context. */
  load_context_ms: number;
  /** The COPY step: writing the layer. */
  copy_ms: number;
  /** First to last "compressing" byte event: the layer's gzip (0 when a blob was reused). */
  gzip_ms: number;
  /** The exporter's vertex, gzip and writing the archive included. */
  export_ms: number;
  /** First to last event: the rest of the wall time is start-up, store opening and exit. */
  events_ms: number;
}

interface Span {
  name: string;
  parent?: string;
  start: number;
  end: number;
}

export function stepSplit(rawjson: string): StepSplit {
  const spans = new Map<string, Span>();
  let first = Infinity;
  let last = -Infinity;
  let gzipStart = Infinity;
  let gzipEnd = -Infinity;
  for (const line of rawjson.split("\n")) {
    if (!line.startsWith("{")) continue;
    let event: { type?: string; id?: string; parent?: string; name?: string; status?: string; action?: string; at?: number };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      continue; // a line that is not an event (a warning printed plainly)
    }
    if (typeof event.at !== "number") continue;
    first = Math.min(first, event.at);
    last = Math.max(last, event.at);
    if (event.type === "bytes" && event.action === "compressing") {
      gzipStart = Math.min(gzipStart, event.at);
      gzipEnd = Math.max(gzipEnd, event.at);
    }
    if (event.type !== "vertex" || !event.id) continue;
    const span = spans.get(event.id);
    if (!span) spans.set(event.id, { name: event.name ?? event.id, ...(event.parent ? { parent: event.parent } : {}), start: event.at, end: event.at });
    else span.end = Math.max(span.end, event.at);
  }
  const total = (match: (s: Span, id: string) => boolean) => [...spans].filter(([id, s]) => match(s, id)).reduce((n, [, s]) => n + (s.end - s.start), 0);
  return {
    load_context_ms: total((s) => !s.parent && s.name.startsWith("[internal] load build context")),
    copy_ms: total((s) => !s.parent && /^\[[^\]]*\] COPY /.test(s.name)),
    gzip_ms: gzipEnd >= gzipStart ? gzipEnd - gzipStart : 0,
    export_ms: total((s, id) => !s.parent && id.startsWith("export-")),
    events_ms: last >= first ? last - first : 0,
  };
}
