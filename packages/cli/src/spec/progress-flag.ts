import { UsageError } from "../errors.js";
// printer.ts, not the printers: parsing the flag must not load them (and the solver they format with).
import { progressModes, type ProgressMode } from "../progress/printer.js";

/** What `--progress` accepts: buildx's list (commands/build.go), `none` included. */
export const progressFlagValues = [...progressModes, "none"] as const;
export type ProgressFlag = (typeof progressFlagValues)[number];

/** How a build shows itself: the progress printer's mode, and whether the image id goes to stdout. */
export interface ProgressChoice {
  mode: ProgressMode;
  /** Print the image id on stdout at the end (`-q`, `--progress=quiet`). */
  printImageId: boolean;
}

/**
 * `--progress` and `-q` together, as buildx's toDisplayMode (commands/build.go): `quiet` is `-q`
 * (no progress, the image id printed at the end), `none` is no progress and no id; `-q` with a
 * mode that shows progress is a usage error. A mode taken from $BUILDKIT_PROGRESS (not given on
 * the command line) never conflicts with `-q`, as in buildx, where the variable only replaces
 * `auto` in the printer.
 */
export function progressChoice(flag: ProgressFlag, options: { quiet: boolean; fromCommandLine: boolean }): ProgressChoice {
  const quiet = options.quiet || (flag === "quiet" && options.fromCommandLine);
  if (quiet) {
    if (options.fromCommandLine && flag !== "auto" && flag !== "quiet" && flag !== "none") {
      throw new UsageError(`--progress=${flag} and -q cannot be used together (-q is --progress=quiet)`, "ERR_PROGRESS_CONFLICT");
    }
    return { mode: "quiet", printImageId: true };
  }
  // From the environment, quiet is only the display mode: buildx prints the id for -q alone.
  if (flag === "none" || flag === "quiet") return { mode: "quiet", printImageId: false };
  return { mode: flag, printImageId: false };
}

/** `--progress` default: $EXP_PROGRESS or $BUILDKIT_PROGRESS (as buildx), else auto. */
export function defaultProgress(env: Readonly<Record<string, string | undefined>>): ProgressFlag {
  for (const value of [env.EXP_PROGRESS, env.BUILDKIT_PROGRESS]) {
    if (value && (progressFlagValues as readonly string[]).includes(value)) return value as ProgressFlag;
  }
  return "auto";
}
