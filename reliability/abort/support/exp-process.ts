import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: `--import tsx` and the `@exp/source` condition resolve from there. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const binPath = fileURLToPath(new URL("../../../packages/cli/src/bin.ts", import.meta.url));

export interface ExpExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Date.now() when the process exited. */
  at: number;
}

export interface ExpProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<ExpExit>;
  /** Everything written to stderr so far (progress, errors). */
  stderr(): string;
  /** SIGKILL if still running: only for cleanup after a failed assertion. */
  kill(): void;
}

/**
 * `exp` as a real process, exactly as a user runs it (bin.ts: SIGINT and SIGTERM abort the
 * build), so signal handling, process exit and cross-process store sharing are what is tested.
 * The environment is minimal: a developer's AWS_* or EXP_ROOT must not leak into the build.
 */
export function spawnExp(args: readonly string[], options: { home: string; env?: Record<string, string> }): ExpProcess {
  const child = spawn(process.execPath, ["--conditions=@exp/source", "--import", "tsx", binPath, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: options.home, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<ExpExit>((resolve, reject) => {
    child.once("error", reject);
    // "close" rather than "exit": the pipes are drained, so the output is complete.
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr, at: Date.now() }));
  });
  if (child.pid === undefined) throw new Error("exp did not start");
  return {
    child,
    pid: child.pid,
    exited,
    stderr: () => stderr,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** Resolves with the exit, or rejects when the process is still running after `ms`. */
export async function exitWithin(proc: ExpProcess, ms: number, what: string): Promise<ExpExit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: exp (pid ${proc.pid}) still running after ${ms} ms\n${proc.stderr().slice(-3000)}`)), ms);
  });
  try {
    return await Promise.race([proc.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
