import type { RunOptions } from "../support/run.js";

/** One command of the matrix. */
export interface RunCase {
  name: string;
  argv: string[];
  options?: RunOptions;
  /** The exit code that proves the intended path ran (0 success, 1 failure, 2 usage error). */
  exit: 0 | 1 | 2;
  /** stderr must match: the error (or warning) the case is about really happened. */
  stderr?: RegExp;
}
