import { ExpError } from "@exp/errors";

/** `exp build` exited non-zero; the message ends with its output. */
export class ExpBuildFailedError extends ExpError {
  constructor(argv: readonly string[], code: number, stderr: string) {
    super("ERR_DIFFERENTIAL_EXP_BUILD", `exp ${argv.join(" ")} exited ${code}:\n${stderr.slice(-4000)}`, { fault: "server" });
  }
}

/**
 * A case declares that buildah deviates from BuildKit somewhere, but buildah's tree or config
 * already has BuildKit's value there: the declaration is stale (or wrong) and must go.
 */
export class StaleDeviationError extends ExpError {
  constructor(where: string, detail: string) {
    super("ERR_DIFFERENTIAL_STALE_DEVIATION", `declared buildah deviation at ${where} changes nothing (${detail}): remove it or correct it`);
  }
}
