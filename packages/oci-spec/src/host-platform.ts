import { endianness } from "node:os";
import type { Platform } from "./descriptor.js";

/** Node's process.platform -> the OCI (Go) operating system name. */
const osByNodePlatform: Readonly<Record<string, string>> = { win32: "windows", sunos: "solaris" };

/** Node's process.arch -> the OCI (Go) architecture name. */
const archByNodeArch: Readonly<Record<string, string>> = { x64: "amd64", ia32: "386", mipsel: "mipsle", mips64el: "mips64le" };

/**
 * The platform this process runs on, in OCI names: what containerd's DefaultSpec answers, and what
 * `local` and a lone `arm64` (for the OS) mean in a platform string. 32-bit ARM carries the variant
 * Node was built for (containerd reads it from /proc/cpuinfo); arm64's v8 is implied, as
 * normalizePlatform drops it anyway.
 */
export function hostPlatform(): Platform {
  const os = osByNodePlatform[process.platform] ?? process.platform;
  let architecture = archByNodeArch[process.arch] ?? process.arch;
  // Node says ppc64 for both byte orders; Go and OCI tell them apart.
  if (architecture === "ppc64" && endianness() === "LE") architecture = "ppc64le";
  const platform: Platform = { os, architecture };
  if (architecture === "arm") {
    const armVersion = (process.config.variables as { arm_version?: unknown }).arm_version;
    platform.variant = typeof armVersion === "string" && /^\d+$/.test(armVersion) ? `v${armVersion}` : "v7";
  }
  return platform;
}
