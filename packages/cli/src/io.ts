import { homedir } from "node:os";
import { join } from "node:path";

/** A stream the CLI writes to (process.stdout, or a collector in tests). */
export interface OutputStream {
  write(chunk: string | Uint8Array): unknown;
  columns?: number;
  rows?: number;
  /** True when it is an interactive terminal (process.stdout.isTTY): `-o -` refuses to write a tarball there. */
  isTTY?: boolean;
}

/** Everything the CLI touches outside itself, so tests run it in-process. */
export interface CliIO {
  stdout: OutputStream;
  /** Progress, warnings and errors (as buildx: stdout is for `-o -` and `--quiet` results). */
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Whether stderr is an interactive terminal: `--progress auto` then means `tty`. */
  isTTY: boolean;
  /** For confirmation prompts (`exp prune` without `-f`). */
  stdin?: NodeJS.ReadableStream;
  /** Aborts a running build (bin.ts wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    stdin: process.stdin,
  };
}

/** `--root` default: `$EXP_ROOT`, else `${XDG_DATA_HOME:-~/.local/share}/exp`. */
export function defaultStoreRoot(env: Readonly<Record<string, string | undefined>>): string {
  if (env.EXP_ROOT) return env.EXP_ROOT;
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(data, "exp");
}
