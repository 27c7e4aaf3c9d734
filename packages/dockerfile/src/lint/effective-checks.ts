import type { SourceLocation } from "../source-location.js";
import { CheckOptionsProblem, defaultCheckOptions, parseCheckOptions, type CheckOptions } from "./check-options.js";

/** The check options in force and where they were written, for messages. */
export interface EffectiveChecks {
  options: CheckOptions;
  /** `# check=...` or `the build arg BUILDKIT_DOCKERFILE_CHECK=...`; undefined for the defaults. */
  source?: string;
  /** The directive's line; none for the build arg. */
  location?: SourceLocation;
}

/** A bad check value, with where it was written. */
export class EffectiveChecksProblem extends Error {
  constructor(
    message: string,
    readonly location: SourceLocation | undefined,
  ) {
    super(message);
  }
}

/**
 * Which check options apply, as BuildKit decides (dockerfile2llb/convert.go newRuleLinter): the
 * BUILDKIT_DOCKERFILE_CHECK build arg, when given, replaces the `# check=` directive outright
 * (dockerui/config.go parses it into LinterConfig, and the directive is then never read, so a
 * bad directive does not matter); otherwise the directive's first word (ParseDirective cuts the
 * value at the first space). A bad value fails the build, as BuildKit's "failed to parse check
 * options" does.
 */
export function effectiveChecks(directive: { value: string; location?: SourceLocation } | undefined, buildArg: string | undefined): EffectiveChecks {
  if (buildArg !== undefined) {
    const source = `the build arg BUILDKIT_DOCKERFILE_CHECK=${buildArg}`;
    return { options: parse(buildArg, source, undefined), source };
  }
  if (directive === undefined) return { options: defaultCheckOptions };
  const source = `# check=${directive.value}`;
  const options = parse(directive.value.split(" ", 1)[0]!, source, directive.location);
  return directive.location ? { options, source, location: directive.location } : { options, source };
}

function parse(value: string, source: string, location: SourceLocation | undefined): CheckOptions {
  try {
    return parseCheckOptions(value);
  } catch (error) {
    if (!(error instanceof CheckOptionsProblem)) throw error;
    throw new EffectiveChecksProblem(`${source}: ${error.message}`, location);
  }
}
