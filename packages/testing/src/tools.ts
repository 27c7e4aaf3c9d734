import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { MissingToolsError } from "./errors.js";
import { inCI } from "./prerequisites.js";

// The Debian package that provides each tool, so a failure can say exactly what to install
// (CI installs them with apt through scripts/setup.sh).
const APT_PACKAGES: Readonly<Record<string, string>> = {
  "docker-registry": "docker-registry",
  htpasswd: "apache2-utils",
  openssl: "openssl",
  skopeo: "skopeo",
  umoci: "umoci",
  "oci-image-tool": "oci-image-tool",
  containerd: "containerd",
  ctr: "containerd",
  zstd: "zstd",
  pigz: "pigz",
  curl: "curl",
  "swift-proxy-server": "swift-proxy",
  "swift-account-server": "swift-account",
  "swift-container-server": "swift-container",
  "swift-object-server": "swift-object",
  memcached: "memcached",
  mmdebstrap: "mmdebstrap",
  buildah: "buildah",
  getfattr: "attr",
  setfattr: "attr",
  chroot: "coreutils",
  mount: "mount",
  umount: "mount",
};

/** The Debian package that provides `tool` (the tool's own name when it is not in the table). */
export function aptPackageFor(tool: string): string {
  return APT_PACKAGES[tool] ?? tool;
}

/** The absolute path of `name` on PATH, or undefined. Synchronous so it can run while tests are collected. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** Which of `names` are on PATH. */
export function requireTools(names: readonly string[]): { available: boolean; missing: string[] } {
  const missing = names.filter((name) => findOnPath(name) === undefined);
  return { available: missing.length === 0, missing };
}

/** True when every named tool is on PATH. */
export function toolsAvailable(...names: string[]): boolean {
  return requireTools(names).available;
}

/** True when `docker-registry` (Debian's distribution 2.8) is on PATH. */
export function registryAvailable(): boolean {
  return toolsAvailable("docker-registry");
}

/** The programs `startS3` runs: Debian's Swift servers (2.30, with s3api) and memcached. */
export const SWIFT_TOOLS: readonly string[] = ["swift-proxy-server", "swift-object-server", "swift-container-server", "swift-account-server", "memcached"];

/**
 * True when `startS3` can run: the Swift servers and memcached are on PATH. For
 * `describe.skipIf(skipUnlessTools(...SWIFT_TOOLS))` prefer skipUnlessTools, which fails in CI.
 */
export function swiftAvailable(): boolean {
  return toolsAvailable(...SWIFT_TOOLS);
}

/**
 * For `describe.skipIf(skipUnlessTools("docker-registry"))`: true (skip) when a tool is missing on a
 * developer machine. In CI (`CI=true`, see inCI) a missing tool throws instead, because a skipped
 * integration test there would silently turn a broken setup into a green run.
 */
export function skipUnlessTools(...names: string[]): boolean {
  const { missing } = requireTools(names);
  if (missing.length === 0) return false;
  if (inCI()) {
    throw new MissingToolsError(missing, packagesFor(missing), "CI=true, so tests fail instead of skipping");
  }
  return true;
}

/** Throws MissingToolsError unless every tool is on PATH. */
export function assertTools(names: readonly string[], context: string): void {
  const { missing } = requireTools(names);
  if (missing.length > 0) throw new MissingToolsError(missing, packagesFor(missing), context);
}

function packagesFor(tools: readonly string[]): string[] {
  return [...new Set(tools.map(aptPackageFor))];
}
