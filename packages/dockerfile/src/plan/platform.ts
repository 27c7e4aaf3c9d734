import { InvalidOptionError } from "@exp/errors";
import type { Platform } from "./types.js";

export const defaultPlatform: Platform = { os: "linux", architecture: "amd64" };

/** Docker's default PATH, which BuildKit puts in every non-Windows stage whose base sets none. */
export const DEFAULT_PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The shell of shell-form CMD/ENTRYPOINT until SHELL (or the base image) says otherwise. */
export function defaultShell(os: string): string[] {
  return os === "windows" ? ["cmd", "/S", "/C"] : ["/bin/sh", "-c"];
}

/** `linux/arm64/v8`, as containerd's platforms.Format writes it. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}

export function checkPlatformOption(key: string, platform: Platform | undefined): void {
  if (platform === undefined) return;
  const ok = typeof platform === "object" && platform !== null && isName(platform.os) && isName(platform.architecture);
  if (!ok || (platform.variant !== undefined && !isName(platform.variant))) {
    throw new InvalidOptionError("planBuild", key, JSON.stringify(platform), '{ os, architecture, variant? } with non-empty strings, e.g. { os: "linux", architecture: "arm64" }');
  }
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value !== "" && !value.includes("/");
}

/**
 * The automatic platform ARGs, available in FROM lines and, once declared with ARG, in stages.
 * Build args of the same name override them, as in BuildKit.
 */
export function platformArgs(target: Platform, build: Platform): Map<string, string> {
  return new Map([
    ["BUILDPLATFORM", formatPlatform(build)],
    ["BUILDOS", build.os],
    ["BUILDARCH", build.architecture],
    ["BUILDVARIANT", build.variant ?? ""],
    ["TARGETPLATFORM", formatPlatform(target)],
    ["TARGETOS", target.os],
    ["TARGETARCH", target.architecture],
    ["TARGETVARIANT", target.variant ?? ""],
  ]);
}

const knownOs = new Set(["linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix", "android", "ios", "js", "wasip1", "plan9", "dragonfly"]);

/**
 * Checks a FROM --platform value (`os[/arch[/variant]]`, or a lone architecture) and returns the
 * OS it means, which picks the default shell; undefined when it is not a platform.
 */
export function platformOs(value: string, targetOs: string): string | undefined {
  const parts = value.split("/");
  if (parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p))) return undefined;
  const first = parts[0]!.toLowerCase();
  if (parts.length > 1 || knownOs.has(first)) return first;
  return targetOs;
}
