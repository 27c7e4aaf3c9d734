import { ExpError, didYouMean } from "@exp/errors";
import type { Platform } from "./descriptor.js";
import { hostPlatform } from "./host-platform.js";
import {
  architectureAliases,
  isKnownArchitecture,
  isKnownOperatingSystem,
  knownArchitectures,
  knownOperatingSystems,
  normalizeArchitecture,
  normalizeOperatingSystem,
} from "./platform-names.js";

const syntax = '"os/architecture[/variant]", e.g. "linux/arm64/v8"';

/** A platform string that is not `os[(os.version)]/architecture[/variant]`, or names an unknown OS or architecture. */
export class InvalidPlatformError extends ExpError {
  readonly value: string;
  /** The platform the value was probably meant to be, when one is close. */
  readonly suggestion: string | undefined;
  constructor(value: string, reason: string, options: { expected?: string; suggestion?: string } = {}) {
    super(
      "ERR_INVALID_PLATFORM",
      `invalid platform ${JSON.stringify(value)}: ${reason}${options.suggestion ? ` (did you mean ${JSON.stringify(options.suggestion)}?)` : ""}; expected ${options.expected ?? syntax}`,
    );
    this.value = value;
    this.suggestion = options.suggestion;
  }
}

// containerd's grammar (platforms.go osRe and specifierRe): anything else, such as a space, is a
// typo we would rather report than carry into a manifest. os.version may contain dots.
const component = /^[A-Za-z0-9_.-]+$/;
const osWithVersion = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$/;

export interface ParsePlatformOptions {
  /** What `local`, a lone architecture's OS and a lone OS's architecture are taken from. Default: this host (hostPlatform). */
  host?: Platform;
}

/**
 * Parses a platform string as containerd's platforms.Parse does, which is what buildx's
 * `--platform` and BuildKit's `FROM --platform` use:
 * - `os/architecture[/variant]`, with an optional Windows OS version, `windows(10.0.20348)/amd64`;
 * - an architecture alone (`arm64`) is that architecture on the host's OS; an OS alone (`linux`)
 *   is that OS on the host's architecture; `local` is the host platform (buildx's spelling);
 * - names are normalised (`Linux` -> `linux`, `macos` -> `darwin`, `x86_64` -> `amd64`, `aarch64`
 *   -> `arm64`, `armhf` -> `arm/v7`, `i386` -> `386`), keeping Parse's two quirks: `linux/arm` has
 *   no variant and `linux/arm64/8` keeps `v8` (normalizePlatform settles both, for comparing);
 * - an OS or architecture that containerd does not know is an error with the closest known name
 *   (containerd itself lets `os/arch` through unchecked; we refuse `linux/armm64` rather than
 *   build an image nothing would run). Variants are not checked, as in containerd.
 */
export function parsePlatform(value: string, options: ParsePlatformOptions = {}): Platform {
  if (value === "") throw new InvalidPlatformError(value, "empty");
  if (value.includes("*")) throw new InvalidPlatformError(value, "wildcards are not supported");
  if (value === "local") return copyPlatform(options.host ?? hostPlatform());
  const parts = value.split("/");
  if (parts.length > 3) throw new InvalidPlatformError(value, `too many components (${parts.length})`);
  const [osPart = "", architecturePart, variantPart] = parts;

  const osMatch = osWithVersion.exec(osPart);
  if (!osMatch) throw new InvalidPlatformError(value, osPart === "" ? "empty os" : `bad os ${JSON.stringify(osPart)}`);
  if (architecturePart !== undefined && !component.test(architecturePart)) {
    throw new InvalidPlatformError(value, architecturePart === "" ? "empty architecture" : `bad architecture ${JSON.stringify(architecturePart)}`);
  }
  if (variantPart !== undefined && !component.test(variantPart)) {
    throw new InvalidPlatformError(value, variantPart === "" ? "empty variant" : `bad variant ${JSON.stringify(variantPart)}`);
  }
  const os = normalizeOperatingSystem(osMatch[1]!);
  const osVersion = osMatch[2];

  if (architecturePart === undefined) return parseLone(value, os, osVersion, options.host ?? hostPlatform());

  if (!isKnownOperatingSystem(os)) {
    throw unknownName(value, "operating system", osMatch[1]!, knownOperatingSystems, (name) => [name, ...parts.slice(1)].join("/"));
  }
  const [architecture, normalizedVariant] = normalizeArchitecture(architecturePart, variantPart ?? "");
  if (!isKnownArchitecture(architecture)) {
    throw unknownName(value, "architecture", architecturePart, [...knownArchitectures, ...architectureAliases], (name) => [osPart, name, ...parts.slice(2)].join("/"));
  }
  // Parse's spelling: `os/arm` carries no variant (v7 is implied), `os/arm64/<v8>` keeps v8.
  let variant = normalizedVariant;
  if (variantPart === undefined && architecture === "arm" && variant === "v7") variant = "";
  if (variantPart !== undefined && architecture === "arm64" && variant === "") variant = "v8";
  return platformOf(os, architecture, variant, osVersion);
}

/** One component: an OS (on the host's architecture), else an architecture (on the host's OS). */
function parseLone(value: string, os: string, osVersion: string | undefined, host: Platform): Platform {
  if (isKnownOperatingSystem(os)) {
    const [architecture, variant] = normalizeArchitecture(host.architecture, host.variant ?? "");
    // As containerd: the host's variant only for 32-bit ARM, and not the implied v7.
    return platformOf(os, architecture, architecture === "arm" && variant !== "v7" ? variant : "", osVersion);
  }
  if (osVersion === undefined) {
    const [architecture, variant] = normalizeArchitecture(value, "");
    if (isKnownArchitecture(architecture)) return platformOf(normalizeOperatingSystem(host.os), architecture, architecture === "arm" && variant === "v7" ? "" : variant, undefined);
  }
  const suggestion = didYouMean(value, [...knownOperatingSystems, ...knownArchitectures, ...architectureAliases, "local"]);
  throw new InvalidPlatformError(value, `${JSON.stringify(value)} is neither an operating system nor an architecture`, {
    ...(suggestion ? { suggestion } : {}),
    expected: `${syntax}, an architecture alone for this host's operating system ("arm64"), an operating system alone ("linux"), or "local" for this host`,
  });
}

function unknownName(value: string, what: string, name: string, known: readonly string[], replace: (suggestion: string) => string): InvalidPlatformError {
  const suggestion = didYouMean(name, known);
  return new InvalidPlatformError(value, `unknown ${what} ${JSON.stringify(name)}`, {
    ...(suggestion ? { suggestion: replace(suggestion) } : {}),
    expected: `one of the ${what}s ${(what === "architecture" ? knownArchitectures : knownOperatingSystems).join(", ")}`,
  });
}

function platformOf(os: string, architecture: string, variant: string, osVersion: string | undefined): Platform {
  const platform: Platform = { os, architecture };
  if (osVersion) platform["os.version"] = osVersion;
  if (variant !== "") platform.variant = variant;
  return platform;
}

function copyPlatform(platform: Platform): Platform {
  return platformOf(platform.os, platform.architecture, platform.variant ?? "", platform["os.version"]);
}

/** The inverse of parsePlatform: `os[(os.version)]/architecture[/variant]`, unnormalised. */
export function formatPlatform(platform: Platform): string {
  const os = platform["os.version"] ? `${platform.os}(${platform["os.version"]})` : platform.os;
  return [os, platform.architecture, platform.variant].filter((part) => part !== undefined && part !== "").join("/");
}

/**
 * The canonical form of a platform, for comparing and matching (containerd's Normalize): OS and
 * architecture as normalizeOperatingSystem and normalizeArchitecture spell them, so `linux/arm64/v8`
 * is `linux/arm64` and `linux/arm` is `linux/arm/v7`; os.version and features are kept as they are.
 */
export function normalizePlatform(platform: Platform): Platform {
  const [architecture, variant] = normalizeArchitecture(platform.architecture, platform.variant ?? "");
  const normalized: Platform = { os: normalizeOperatingSystem(platform.os), architecture };
  if (variant !== "") normalized.variant = variant;
  if (platform["os.version"] !== undefined) normalized["os.version"] = platform["os.version"];
  if (platform["os.features"] !== undefined) normalized["os.features"] = [...platform["os.features"]];
  if (platform.features !== undefined) normalized.features = [...platform.features];
  return normalized;
}

/**
 * `os/architecture[/variant]` of the normalised platform, so `linux/aarch64` and
 * `linux/arm64/v8` land on the same key in a map of per-platform results. os.version is left
 * out, as in the platform IDs BuildKit builds with containerd's platforms.Format.
 */
export function platformKey(platform: Platform): string {
  const { os, architecture, variant } = normalizePlatform(platform);
  return variant ? `${os}/${architecture}/${variant}` : `${os}/${architecture}`;
}
