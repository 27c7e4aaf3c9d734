import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { AbortedError } from "@exp/errors";
import { pause } from "./abort.js";
import { hasExited, trackChild } from "./child-process.js";
import { findOnPath } from "./tools.js";

// The start-up shared by the servers that are Node programs from the npm registry (Verdaccio,
// Azurite): run with this Node, output to a log file, ready when an HTTP probe says so.

const POLL_MS = 50;
const setprivPath = findOnPath("setpriv");

/**
 * Runs `node <args>` in `cwd`, stdout and stderr to `logPath`. `setpriv --pdeathsig KILL`
 * (util-linux) makes the kernel kill the server when this process dies however it dies (vitest
 * ends workers without exit hooks), so a forgotten stop() cannot leave one behind. A test
 * runner's NODE_OPTIONS (tsx, --conditions) is not the server's business.
 */
export function spawnNodeServer(args: readonly string[], logPath: string, cwd: string): ChildProcess {
  const [file, argv] = setprivPath === undefined ? [process.execPath, [...args]] : [setprivPath, ["--pdeathsig", "KILL", "--", process.execPath, ...args]];
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_OPTIONS"));
  const log = openSync(logPath, "w");
  try {
    const child = spawn(file, argv, { cwd, env, stdio: ["ignore", log, log] });
    trackChild(child);
    child.on("error", () => {}); // spawn failures surface as "exited" in waitServing
    return child;
  } finally {
    closeSync(log);
  }
}

export type ServingOutcome = "ready" | "exited" | "timeout";

/**
 * Polls `probe` (one HTTP request, given how long it may take) until it says the server serves,
 * the server exits, or `deadline` (Date.now() ms) passes. A request that fails means "not
 * listening yet"; an abort ends the wait with AbortedError naming `action`.
 */
export async function waitServing(
  child: ChildProcess,
  probe: (timeoutMs: number) => Promise<boolean>,
  deadline: number,
  signal: AbortSignal | undefined,
  action: string,
): Promise<ServingOutcome> {
  while (Date.now() < deadline) {
    if (hasExited(child)) return "exited";
    try {
      if (await probe(Math.max(100, Math.min(2000, deadline - Date.now())))) return "ready";
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      // not listening yet
    }
    await pause(POLL_MS, signal, action);
  }
  return hasExited(child) ? "exited" : "timeout";
}

/** The last lines of a server's log, for the error that says why it did not start ("" if unreadable). */
export async function logTail(logPath: string, lines = 20): Promise<string> {
  try {
    return (await readFile(logPath, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
