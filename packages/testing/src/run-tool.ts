import { execFile } from "node:child_process";
import { AbortedError } from "@exp/errors";
import { ToolFailedError } from "./errors.js";

/** Runs a helper program to completion (no shell, so arguments need no quoting). */
export function runTool(tool: string, args: readonly string[], options: { cwd?: string; signal?: AbortSignal } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { cwd: options.cwd, signal: options.signal, encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if (options.signal?.aborted) return reject(new AbortedError(tool, options.signal.reason));
      reject(new ToolFailedError(tool, `${args.join(" ")}: ${stderr.trim() || error.message}`, error));
    });
  });
}
