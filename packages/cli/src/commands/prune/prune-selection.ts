import { UsageError } from "../../errors.js";
import type { CliIO } from "../../io.js";
import type { PruneFilters } from "./prune-filters.js";
import type { PruneSelection } from "./prune-plan.js";

/** `exp prune`'s flags as commander parsed them (each value already checked). */
export interface PruneFlags {
  all?: boolean;
  filter?: PruneFilters;
  reservedSpace?: number;
  maxUsedSpace?: number;
  minFreeSpace?: number;
  /** Deprecated (buildx): `--reserved-space`. */
  keepStorage?: number;
  /** Deprecated (exp 0.3): `--filter until=`. */
  keepDuration?: { ms: number; text: string };
}

/**
 * The selection the flags make. The deprecated spellings still work, with buildx's warning on
 * stderr; one given together with its replacement is a usage error rather than a silent pick.
 */
export function pruneSelection(io: CliIO, flags: PruneFlags): PruneSelection {
  const filters: PruneFilters = { ...flags.filter };
  if (flags.keepDuration) {
    if (filters.until) throw new UsageError(`--keep-duration ${flags.keepDuration.text} and --filter until=${filters.until.text} both set the age to keep; use --filter until=<duration> alone`);
    io.stderr.write("Flag --keep-duration has been deprecated, use --filter until=<duration>\n");
    filters.until = flags.keepDuration;
  }
  let reservedSpace = flags.reservedSpace;
  if (flags.keepStorage !== undefined) {
    if (reservedSpace !== undefined) throw new UsageError("--keep-storage and --reserved-space are the same limit; use --reserved-space alone");
    io.stderr.write("Flag --keep-storage has been deprecated, keep-storage flag has been changed to reserved-space\n");
    reservedSpace = flags.keepStorage;
  }
  return {
    all: flags.all === true,
    filters,
    limits: {
      ...(reservedSpace !== undefined ? { reservedSpace } : {}),
      ...(flags.maxUsedSpace !== undefined ? { maxUsedSpace: flags.maxUsedSpace } : {}),
      ...(flags.minFreeSpace !== undefined ? { minFreeSpace: flags.minFreeSpace } : {}),
    },
  };
}
