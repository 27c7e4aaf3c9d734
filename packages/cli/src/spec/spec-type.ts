import { didYouMean } from "@exp/errors";
import { isPathSpecifier, isPluginSpecifier } from "../plugins/load-module.js";
import { SpecError } from "./csv.js";

/** The output types exp ships (each is a package, see `builtinExporterPackages`). */
export const builtinOutputTypes = ["image", "registry", "oci", "docker", "local", "tar"] as const;

/** The cache types exp ships, for `--cache-to` and `--cache-from` (see `builtinCachePackages`). */
export const builtinCacheTypes = ["registry", "local", "s3", "azblob", "gha", "inline"] as const;

/**
 * BuildKit's own types that exp does not implement. Named here so that they are reported as what
 * they are, rather than taken for npm packages to install (there is a package called `cacheonly`).
 */
const buildkitOnlyTypes: Readonly<Record<SpecFlag, readonly string[]>> = {
  "-o": ["cacheonly"],
  "--cache-to": [],
  "--cache-from": [],
};

export type SpecFlag = "-o" | "--cache-to" | "--cache-from";

/**
 * A `type=` that names no built-in type and cannot be meant as a package: a typo of a built-in
 * type, a BuildKit type exp does not implement, a type of the other kind of flag, or no package
 * name at all. A usage error (exit 2), as any other malformed spec.
 */
export class UnknownTypeError extends SpecError {
  readonly type: string;
  readonly flag: SpecFlag;
  /** The built-in type the value is close to, when it is. */
  readonly suggestion: string | undefined;
  constructor(type: string, flag: SpecFlag, reason: string, suggestion?: string) {
    super(`${describeType(type, flag)} ${reason}`, "ERR_UNKNOWN_TYPE");
    this.type = type;
    this.flag = flag;
    this.suggestion = suggestion;
  }
}

/** `output type "oci"`, `cache type "local" (--cache-to)`: how every type error names the type. */
export function describeType(type: string, flag: SpecFlag): string {
  return flag === "-o" ? `output type ${JSON.stringify(type)}` : `cache type ${JSON.stringify(type)} (${flag})`;
}

/** The built-in types of a flag, for messages. */
export function builtinTypesOf(flag: SpecFlag): readonly string[] {
  return flag === "-o" ? builtinOutputTypes : builtinCacheTypes;
}

/**
 * Checks the `type=` of a spec before anything is loaded. A built-in type, a module path
 * (`./exporter.js`) and a scoped package (`@acme/exp-exporter-s3-tar`) pass. An unscoped name
 * passes only when it is a valid package name and is not within typo distance of a built-in
 * type: `oic` is refused with `did you mean "oci"?`, and never looked up in node_modules or
 * offered for installation, since a package named like a typo of a built-in type is exactly
 * what a typosquatter would publish.
 */
export function checkSpecType(type: string, flag: SpecFlag): void {
  const builtins = builtinTypesOf(flag);
  if (builtins.includes(type)) return;
  const list = builtins.join(", ");
  if (isPathSpecifier(type) || (type.startsWith("@") && isPluginSpecifier(type))) return;
  if (buildkitOnlyTypes[flag].includes(type)) {
    throw new UnknownTypeError(type, flag, `is a BuildKit ${flag === "-o" ? "exporter" : "cache backend"} that exp does not implement; use one of ${list}`);
  }
  const otherFlagTypes: readonly string[] = flag === "-o" ? builtinCacheTypes : builtinOutputTypes;
  if (otherFlagTypes.includes(type)) {
    throw new UnknownTypeError(type, flag, flag === "-o" ? `is a cache type (for --cache-to and --cache-from), not an output type; use one of ${list}` : `is an output type (for -o), not a cache type; use one of ${list}`);
  }
  const suggestion = didYouMean(type, builtins);
  if (suggestion !== undefined) throw new UnknownTypeError(type, flag, `is not one of ${list} (did you mean ${JSON.stringify(suggestion)}?)`, suggestion);
  if (!isPluginSpecifier(type)) {
    const example = flag === "-o" ? "@acme/exp-exporter-s3-tar" : "@acme/exp-cache-x";
    throw new UnknownTypeError(type, flag, `is neither one of ${list} nor a package name (e.g. ${example}) or module path (./plugin.js)`);
  }
}
