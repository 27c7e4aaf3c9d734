import { runCli } from "@exp/cli";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the whole command, in ms. */
  elapsedMs: number;
}

export interface CliRun {
  /** The environment the command sees: HOME points at a directory whose .docker/config.json holds registry credentials. */
  env?: Record<string, string>;
  cwd?: string;
  signal?: AbortSignal;
}

/**
 * Runs `exp` in-process, collecting stdout and stderr, with no TTY and only the environment given
 * (the developer's docker config, AWS variables or EXP_* settings must not leak into a test).
 */
export async function exp(argv: readonly string[], run: CliRun = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const started = performance.now();
  const code = await runCli(argv, {
    stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
    env: run.env ?? {},
    isTTY: false,
    ...(run.cwd ? { cwd: run.cwd } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
  });
  return { code, stdout, stderr, elapsedMs: performance.now() - started };
}
