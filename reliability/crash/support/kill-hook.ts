/**
 * Preloaded into the `exp` child (`node --import tsx --import kill-hook.ts …`), never into exp
 * itself: watches the process's own filesystem calls and progress events, and SIGKILLs the process
 * at the chosen tick of the chosen phase (see phases.ts). Doing it from inside is what makes the
 * kill precise: a parent reading the progress pipe would react milliseconds late, past the whole
 * history write. The signal is still a real SIGKILL: no handler, no finally block, runs.
 *
 * Killing right before a call covers every instant between calls: SIGKILL does not cut a
 * regular-file syscall in half (it completes or never starts), and calls other async paths have
 * in flight on libuv's thread pool at that moment run on or die as they would under any kill.
 *
 * The hook only observes; it changes nothing exp does until the moment it kills.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { isHistoryPath, isIngestPath, phases, storePath, type HookConfig, type KillReport, type Phase, type TickCounts } from "./phases.js";

const config = JSON.parse(process.env.EXP_CRASH_HOOK ?? "null") as HookConfig | null;
// Top-level await: the FileHandle methods are patched before exp's own modules start running.
if (config) await install(config);

async function install(cfg: HookConfig): Promise<void> {
  const counts = Object.fromEntries(phases.map((p) => [p, 0])) as TickCounts;
  const openCopies = new Set<string>();
  const openIngests = new Set<string>();
  let finalizing = false;
  let historyStarted = false;
  let gcStarted = false;

  const tick = (phase: Phase, point: string): void => {
    const n = counts[phase]++;
    if (cfg.trace) appendFileSync(cfg.trace, `${phase} ${n} ${point}\n`);
    if (cfg.mode !== "kill" || phase !== cfg.phase || n !== cfg.at) return;
    const report: KillReport = { phase, tick: n, point };
    writeFileSync(cfg.report, JSON.stringify(report));
    process.kill(process.pid, "SIGKILL");
  };

  /** A filesystem call, before it runs. `paths` are the call's path arguments (two for rename and link). */
  const onCall = (call: string, paths: readonly string[]): void => {
    const rels = paths.map((p) => storePath(cfg.root, p));
    const point = `${call} ${rels.map((r, i) => r ?? paths[i]).join(" -> ")}`;
    const inStore = rels.filter((r): r is string => r !== undefined);
    // openContentStore makes meta/history up front: that mkdir is not a history write.
    const history = call !== "mkdir" && inStore.some((r) => isHistoryPath(r));
    // The history record is written once every finalizer is done: it ends the finalize phase.
    if (history) historyStarted = true;
    // A layer is made while its COPY vertex is open: reading the context, writing the tar into the store.
    if (openCopies.size > 0) tick("layer", point);
    // The export's finalizers run from their first push or cache-send step until the history record.
    if (finalizing && !historyStarted) tick("finalize", point);
    // runGc's first step lists the leases; nothing in `exp prune` does before it.
    if (!gcStarted && call === "readdir" && rels[0] === "meta/leases") gcStarted = true;
    if (gcStarted) tick("gc", point);
    // An ingest runs from opening its temp file in ingest/ to unlinking that name.
    const ingestTemp = inStore.find((r) => r.startsWith("ingest/"));
    if (ingestTemp !== undefined && call === "open") openIngests.add(ingestTemp);
    if (history) tick("history", point);
    else if (openIngests.size > 0 && inStore.some((r) => isIngestPath(r, call))) tick("ingest", point);
    if (ingestTemp !== undefined && call === "unlink") openIngests.delete(ingestTemp);
  };

  const onEvent = (event: { type?: string; id?: string; vertex?: string; name?: string; status?: string; action?: string; current?: number }): void => {
    const point = `event ${JSON.stringify(event)}`;
    if (event.type === "vertex" && event.id !== undefined) {
      // BuildKit's step names: "[2/3] COPY trial.bin notes.txt /data/".
      if (/^(\[[^\]]*\] )?COPY /.test(event.name ?? "")) {
        if (event.status === "started") openCopies.add(event.id);
        else openCopies.delete(event.id);
      }
      if (event.status === "started" && /^(export-\d+\/push-|cache-\d+\/send$)/.test(event.id)) finalizing = true;
    }
    if (event.type === "bytes" && event.vertex !== undefined && /^export-\d+\/push-/.test(event.vertex)) finalizing = true;
    if (openCopies.size > 0) tick("layer", point);
    if (finalizing && !historyStarted) tick("finalize", point);
    if (event.type === "bytes" && event.action === "compressing") tick("compress", point);
  };

  await patchFsPromises(onCall);
  watchStderr(onEvent);
  if (cfg.mode === "count") process.on("exit", () => writeFileSync(cfg.report, JSON.stringify(counts)));
}

/**
 * Wraps every function of node:fs/promises and the FileHandle methods that write, sync or close,
 * so each call is seen before it runs. syncBuiltinESMExports makes `import { rename } from
 * "node:fs/promises"` in exp's modules (loaded after this preload) get the wrapped functions.
 */
async function patchFsPromises(onCall: (call: string, paths: readonly string[]) => void): Promise<void> {
  const handlePaths = new WeakMap<object, string>();
  const module = fsp as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(module)) {
    if (typeof value !== "function" || name === "constructor") continue;
    const original = value as (...args: unknown[]) => unknown;
    const twoPaths = name === "rename" || name === "link" || name === "copyFile" || name === "symlink" || name === "cp";
    module[name] = function (this: unknown, ...args: unknown[]) {
      const paths = (twoPaths ? args.slice(0, 2) : args.slice(0, 1)).filter((a): a is string => typeof a === "string");
      onCall(name, paths);
      const result = original.apply(this, args);
      if (name === "open" && paths[0] !== undefined && result instanceof Promise) {
        const path = paths[0];
        return result.then((handle: object) => (handlePaths.set(handle, path), handle));
      }
      return result;
    };
  }
  syncBuiltinESMExports();
  // FileHandle is not exported: take its prototype from a handle on a file that certainly exists.
  const probe = await fsp.open(process.execPath);
  const proto = Object.getPrototypeOf(probe) as Record<string, unknown>;
  await probe.close();
  for (const name of ["write", "writev", "writeFile", "sync", "datasync", "close", "truncate"]) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function (this: object, ...args: unknown[]) {
      const path = handlePaths.get(this);
      if (path !== undefined) onCall(`fh.${name}`, [path]);
      return original.apply(this, args);
    };
  }
}

/** `--progress rawjson` writes one event per line to stderr; each complete line is an event. */
function watchStderr(onEvent: (event: Record<string, unknown>) => void): void {
  const stderr = process.stderr as unknown as { write: (...args: unknown[]) => boolean };
  const original = stderr.write.bind(process.stderr);
  let pending = "";
  stderr.write = (...args: unknown[]) => {
    const chunk = args[0];
    pending += typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : "";
    let newline: number;
    // Written out before the event is handled, so a kill at this event still shows it in the log.
    const written = original(...args);
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (!line.startsWith("{")) continue;
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // not an event: a message that happens to start with a brace
      }
      onEvent(event);
    }
    return written;
  };
}
