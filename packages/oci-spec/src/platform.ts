import { ExpError } from "@exp/errors";
import type { Platform } from "./descriptor.js";

/** A platform string that is not `os[(os.version)]/architecture[/variant]`. */
export class InvalidPlatformError extends ExpError {
  readonly value: string;
  constructor(value: string, reason: string) {
    super(
      "ERR_INVALID_PLATFORM",
      `invalid platform ${JSON.stringify(value)}: ${reason}; expected "os/architecture[/variant]", e.g. "linux/arm64/v8"`,
    );
    this.value = value;
  }
}

// containerd's component grammar; anything else (spaces, dots in an architecture) is a typo
// we would rather report than carry into a manifest. os.version may contain dots.
const component = /^[A-Za-z0-9_-]+$/;
const osWithVersion = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$/;

/**
 * Parses a `--platform` style string: `linux/amd64`, `linux/arm64/v8`, or with a Windows OS
 * version `windows(10.0.20348)/amd64` (containerd's FormatAll syntax). Nothing is normalised
 * or defaulted from the host: a build tool must not silently change what the user asked for.
 * Call normalizePlatform for comparison.
 */
export function parsePlatform(value: string): Platform {
  if (value === "") throw new InvalidPlatformError(value, "empty");
  const parts = value.split("/");
  if (parts.length < 2) throw new InvalidPlatformError(value, "missing architecture");
  if (parts.length > 3) throw new InvalidPlatformError(value, `too many components (${parts.length})`);
  const [osPart = "", architecture = "", variant] = parts;

  const osMatch = osWithVersion.exec(osPart);
  if (!osMatch) throw new InvalidPlatformError(value, osPart === "" ? "empty os" : `bad os ${JSON.stringify(osPart)}`);
  if (!component.test(architecture)) {
    throw new InvalidPlatformError(value, architecture === "" ? "empty architecture" : `bad architecture ${JSON.stringify(architecture)}`);
  }
  if (variant !== undefined && !component.test(variant)) {
    throw new InvalidPlatformError(value, variant === "" ? "empty variant" : `bad variant ${JSON.stringify(variant)}`);
  }

  const platform: Platform = { os: osMatch[1]!, architecture };
  const osVersion = osMatch[2];
  if (osVersion) platform["os.version"] = osVersion;
  if (variant !== undefined) platform.variant = variant;
  return platform;
}

/** The inverse of parsePlatform: `os[(os.version)]/architecture[/variant]`, unnormalised. */
export function formatPlatform(platform: Platform): string {
  const os = platform["os.version"] ? `${platform.os}(${platform["os.version"]})` : platform.os;
  return [os, platform.architecture, platform.variant].filter((part) => part !== undefined && part !== "").join("/");
}

/**
 * Returns architecture and variant in the canonical spelling, following containerd's
 * normalizeArch: toolchains and uname report `x86_64` or `aarch64`, images say `amd64` or
 * `arm64`, and `linux/arm64/v8` and `linux/arm64` are the same platform (v8 is dropped, as
 * containerd does, because most arm64 images omit it). Bare `arm` means v7.
 */
function normalizeArchitecture(architecture: string, variant: string): [string, string] {
  const arch = architecture.toLowerCase();
  const v = variant.toLowerCase();
  switch (arch) {
    case "i386":
      return ["386", ""];
    case "x86_64":
    case "x86-64":
    case "amd64":
      // v1 is the baseline every amd64 CPU meets, so it says nothing.
      return ["amd64", v === "v1" ? "" : v];
    case "aarch64":
    case "arm64":
      return ["arm64", v === "8" || v === "v8" ? "" : v];
    case "armhf":
      return ["arm", "v7"];
    case "armel":
      return ["arm", "v6"];
    case "arm":
      if (v === "" || v === "7") return ["arm", "v7"];
      if (v === "5" || v === "6" || v === "8") return ["arm", `v${v}`];
      return ["arm", v];
    default:
      return [arch, v];
  }
}

/**
 * The canonical form of a platform, for comparing and matching. OS is lower-cased (`macos`
 * becomes `darwin`); os.version and features are kept as they are.
 */
export function normalizePlatform(platform: Platform): Platform {
  const os = platform.os.toLowerCase();
  const [architecture, variant] = normalizeArchitecture(platform.architecture, platform.variant ?? "");
  const normalized: Platform = { os: os === "macos" ? "darwin" : os, architecture };
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
