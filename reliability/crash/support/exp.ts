import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runCli } from "@exp/cli";
import type { HookConfig, KillReport, TickCounts } from "./phases.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const bin = fileURLToPath(new URL("../../../packages/cli/src/bin.ts", import.meta.url));
const hook = pathToFileURL(fileURLToPath(new URL("./kill-hook.ts", import.meta.url))).href;

/**
 * These builds take about a second. One that takes this long is stuck — waiting out a lock or a
 * lease a killed process left, say — which is a defect to report, not a slow machine to wait for.
 */
export const STUCK_MS = 30_000;

export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed by us after STUCK_MS. */
  stuck: boolean;
  /** The end of stderr, for a failure message. */
  stderrTail: string;
}

/**
 * Runs `exp <argv>` as its own process with the kill hook preloaded. A real process, because only
 * a process can be SIGKILLed: nothing of exp's (no finally, no exit handler) runs after the kill.
 */
export async function spawnExp(argv: readonly string[], hookConfig: HookConfig, home: string, env: Readonly<Record<string, string>> = {}): Promise<ChildOutcome> {
  const child = spawn(process.execPath, ["--conditions=@exp/source", "--import", "tsx", "--import", hook, bin, ...argv], {
    cwd: repoRoot,
    // Only what exp needs, and what the caller names (a DOCKER_CONFIG): nothing of the test
    // runner's environment (EXP_ROOT, DOCKER_CONFIG…) leaks in.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...env, EXP_CRASH_HOOK: JSON.stringify(hookConfig) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-8192);
  });
  let stuck = false;
  const timer = setTimeout(() => {
    stuck = true;
    child.kill("SIGKILL");
  }, STUCK_MS);
  try {
    // "close", not "exit": stderr is drained too, and the child is reaped, so its pid reads as
    // dead to the store's liveness checks (a zombie still answers kill(pid, 0)).
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (c, s) => resolve([c, s]));
    });
    return { code, signal, stuck, stderrTail: stderr.slice(-2000) };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads and removes the hook's report: the kill point, or undefined when the process was not killed. */
export async function takeKillReport(path: string): Promise<KillReport | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as KillReport;
  } catch {
    return undefined;
  } finally {
    await rm(path, { force: true });
  }
}

export async function takeCounts(path: string): Promise<TickCounts> {
  const counts = JSON.parse(await readFile(path, "utf8")) as TickCounts;
  await rm(path, { force: true });
  return counts;
}

export interface InProcessResult {
  exit: number;
  stdout: string;
  stderr: string;
}

/**
 * `exp` in the test process: the same code as the binary, without a second of tsx start-up per
 * call. Used for what is not killed — the store checks and the re-runs — so 50+ trials fit in CI.
 */
export async function runExp(argv: readonly string[], home: string): Promise<InProcessResult> {
  let stdout = "";
  let stderr = "";
  // Interrupted like Ctrl-C when stuck, so the trial fails with exp's own account of where it was.
  const signal = AbortSignal.timeout(STUCK_MS);
  const exit = await runCli(argv, {
    signal,
    stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk) => ((stderr = (stderr + String(chunk)).slice(-16_384)), true) },
    env: { HOME: home, EXP_DEBUG: "1" },
    cwd: home,
    isTTY: false,
  });
  return { exit, stdout, stderr: signal.aborted ? `stuck: interrupted after ${STUCK_MS} ms\n${stderr}` : stderr };
}

export interface StoreCheck {
  exit: number;
  ok: boolean;
  blobs: number;
  faults: Array<{ code: string; path: string; message: string }>;
  notes: string[];
  stderr: string;
}

/** `exp store check --root <store> --format json`. */
export async function checkStore(root: string, home: string): Promise<StoreCheck> {
  const result = await runExp(["store", "check", "--root", root, "--format", "json"], home);
  let report: Omit<StoreCheck, "exit" | "stderr">;
  try {
    report = JSON.parse(result.stdout) as Omit<StoreCheck, "exit" | "stderr">;
  } catch {
    report = { ok: false, blobs: 0, faults: [{ code: "NO_REPORT", path: root, message: `exp store check printed no JSON: ${result.stdout}` }], notes: [] };
  }
  return { ...report, exit: result.exit, stderr: result.stderr };
}
