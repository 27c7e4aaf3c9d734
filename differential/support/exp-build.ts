import { tmpdir } from "node:os";
import { runCli } from "@exp/cli";

export interface ExpRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `exp <argv>` in-process (as packages/cli/src/test-helpers.ts does) with collected output, no
 * TTY, plain progress and a clean environment. Registries on 127.0.0.1 are reached over plain HTTP
 * by default (@exp/registry, as docker does), so no --insecure-registry is needed.
 */
export async function runExp(argv: readonly string[], options: { cwd: string; signal?: AbortSignal }): Promise<ExpRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
    env: { HOME: tmpdir(), PATH: process.env.PATH },
    cwd: options.cwd,
    isTTY: false,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout, stderr };
}
