import { execFile } from "node:child_process";
import { AbortedError } from "@exp/errors";
import { ToolFailedError } from "./errors.js";

export interface RunToolOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Default 60 000 ms. Builders and debootstrap take longer; they pass their own (0: none). */
  timeoutMs?: number;
  /** stdout/stderr limit, default 16 MiB: `getfattr` on a whole rootfs prints a lot. */
  maxBuffer?: number;
  /** The child's environment; default the test process's. */
  env?: NodeJS.ProcessEnv;
}

/** Runs a helper program to completion (no shell, so arguments need no quoting). */
export function runTool(tool: string, args: readonly string[], options: RunToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      {
        cwd: options.cwd,
        signal: options.signal,
        encoding: "utf8",
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: options.maxBuffer ?? 16 * 1024 * 1024,
        env: options.env,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if (options.signal?.aborted) return reject(new AbortedError(tool, options.signal.reason));
        reject(new ToolFailedError(tool, `${args.join(" ")}: ${stderr.trim() || error.message}`, error));
      },
    );
  });
}
