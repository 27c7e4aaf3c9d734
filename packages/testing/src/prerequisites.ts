import { MissingPrerequisiteError } from "./errors.js";

/**
 * The one rule for tests that need something a machine may lack (a tool, root, a kernel file):
 * on a developer machine such a test skips; under `CI=true` a missing prerequisite fails the run,
 * because a skipped test there would turn a broken setup into a green run. Only the exact value
 * "true" counts, as `.ci/run` and `scripts/setup.sh` set it; `CI=1` or `CI=yes` elsewhere do not.
 */
export function inCI(): boolean {
  return process.env.CI === "true";
}

/**
 * For `it.skipIf(skipUnless(existsSync("/proc/net/tcp"), "/proc/net/tcp", "a Linux kernel with procfs"))`:
 * false when `available`; otherwise true (skip) on a developer machine, and under CI=true a
 * MissingPrerequisiteError naming `what` and how to get it.
 */
export function skipUnless(available: boolean, what: string, howToGet: string): boolean {
  if (available) return false;
  if (inCI()) throw new MissingPrerequisiteError(what, howToGet, "CI=true, so tests fail instead of skipping");
  return true;
}

/** For tests that mount, mknod or chown: skips unless root, and fails under CI=true (CI runs as root). */
export function skipUnlessRoot(why: string): boolean {
  return skipUnless(process.getuid?.() === 0, `root (${why})`, "run the tests as root, as CI does");
}
