import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { runCli } from "@exp/cli";
import type { Leak } from "./needles.js";
import { scanBytes, type ScanStats } from "./scan-files.js";
import type { World } from "./world.js";

export interface RunOptions {
  /** DOCKER_CONFIG for the run (a directory of World.configs). */
  dockerConfig?: string;
  /** More variables for exp's environment (EXP_DEBUG, AWS_*). */
  env?: Record<string, string>;
  /**
   * Set in process.env too for the run's duration, as `exp` run from a shell has them: what the
   * SDKs' credential chains read beyond runCli's env (AWS profiles, Azure's managed identity) must
   * not leak either.
   */
  processEnv?: Record<string, string>;
  /** An interactive stderr (for --progress tty/auto). */
  isTTY?: boolean;
  /** Files the run writes that are scanned right after it (--metadata-file, --trace); absent ones are noted. */
  files?: string[];
}

/** One command of the matrix: what ran, how it ended, and every output scanned. */
export interface RunRecord {
  name: string;
  argv: string[];
  exit: number;
  stdout: string;
  stderr: string;
  /** The outputs scanned: "stdout", "stderr", and the files (relative to the world's dir). */
  scanned: string[];
  leaks: Leak[];
}

/**
 * Runs `exp` in-process with a clean environment (HOME in the world, the fake credential helpers
 * on PATH) and scans stdout, stderr and the files it was asked to write for every secret.
 */
export async function runExp(world: World, name: string, argv: string[], options: RunOptions = {}): Promise<RunRecord> {
  let stdout = "";
  let stderr = "";
  const env: Record<string, string> = {
    HOME: world.home,
    PATH: `${world.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    ...(options.dockerConfig ? { DOCKER_CONFIG: options.dockerConfig } : {}),
    ...options.processEnv,
    ...options.env,
  };
  const saved = Object.fromEntries(Object.keys(options.processEnv ?? {}).map((key) => [key, process.env[key]]));
  Object.assign(process.env, options.processEnv);
  let exit: number;
  try {
    exit = await runCli(argv, {
      stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
      stderr: { write: (chunk) => ((stderr += String(chunk)), true), ...(options.isTTY ? { columns: 120, rows: 40 } : {}) },
      env,
      cwd: world.dir,
      isTTY: options.isTTY ?? false,
    });
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  const leaks = [...world.book.scan(`${name}: stdout`, stdout), ...world.book.scan(`${name}: stderr`, stderr)];
  const scanned = ["stdout", "stderr"];
  const stats: ScanStats = { files: 0, bytes: 0, nested: 0 };
  for (const file of options.files ?? []) {
    const bytes = await readFile(file).catch(() => undefined);
    const shown = relative(world.dir, file);
    if (!bytes) {
      scanned.push(`${shown} (not written)`);
      continue;
    }
    scanned.push(shown);
    scanBytes(world.book, `${name}: ${shown}`, bytes, leaks, stats, 0);
  }
  return { name, argv, exit, stdout, stderr, scanned, leaks };
}
