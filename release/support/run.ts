import { execFile } from "node:child_process";

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Default 150 s: a package manager's first download of the AWS SDK on a new machine. */
  timeoutMs?: number;
}

/** Runs a program to completion (no shell) and returns its exit code and output; never throws for an exit code. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, encoding: "utf8", timeout: options.timeoutMs ?? 150_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        const code = (error as { code?: unknown }).code;
        if (typeof code === "number") return resolve({ code, stdout, stderr });
        // Not started, or killed by the timeout: no exit code to report.
        reject(new Error(`${command} ${args.join(" ")} (in ${options.cwd}): ${error.message}\n${stderr}`, { cause: error }));
      },
    );
  });
}

/** `run`, failing with the command's output when it exits non-zero. */
export async function runOk(command: string, args: readonly string[], options: RunOptions): Promise<Outcome> {
  const outcome = await run(command, args, options);
  if (outcome.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${options.cwd}) exited ${outcome.code}\n--- stdout ---\n${tail(outcome.stdout)}\n--- stderr ---\n${tail(outcome.stderr)}`);
  }
  return outcome;
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * The environment of a user's shell on this machine, not of the test runner: PATH, and HOME set to
 * `home` (a fresh directory, so no ~/.npmrc, global pnpm config or npx cache of the developer's
 * leaks in). Nothing of `pnpm exec vitest`'s own (npm_config_user_agent would make exp's install
 * advice say pnpm to an npm user; NODE_OPTIONS could carry a loader or conditions).
 */
export function userEnv(home: string, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    ...extra,
  };
}
