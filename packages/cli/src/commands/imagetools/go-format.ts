import { normalizePlatform, type Platform } from "@exp/oci-spec";

/**
 * containerd's platforms.Format, which buildx prints and keys its per-platform results by:
 * os/architecture[/variant] (path.Join: empty parts dropped), "unknown" without an OS, and no
 * os.version (unlike exp's formatPlatform).
 */
export function goFormatPlatform(platform: Pick<Platform, "os" | "architecture" | "variant">): string {
  if (!platform.os) return "unknown";
  return [platform.os, platform.architecture, platform.variant].filter((part) => part !== undefined && part !== "").join("/");
}

/** platforms.Format(platforms.Normalize(p)): the key buildx's loader files an image under. */
export function goPlatformKey(platform: Pick<Platform, "os" | "architecture" | "variant">): string {
  if (!platform.os) return "unknown";
  return goFormatPlatform(normalizePlatform({ os: platform.os, architecture: platform.architecture, ...(platform.variant ? { variant: platform.variant } : {}) }));
}

/**
 * A float64 as fmt's %v prints it (strconv 'g' with the shortest digits: an exponent, at least two
 * digits long, from 1e6 and below 1e-4), which is how a template prints a number read into an
 * interface{} (`{{.Provenance.SLSA.x}}`).
 */
export function goFormatFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exponentText] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(value);
}
