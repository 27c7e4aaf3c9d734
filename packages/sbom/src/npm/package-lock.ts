import { licensesOf } from "./package-json.js";

/** One package a lockfile says is installed. */
export interface LockedPackage {
  name: string;
  version: string;
  licenses: string[];
  /** Where it is installed, relative to the lockfile ("node_modules/a/node_modules/b"), for v2+ lockfiles. */
  installPath?: string;
}

/**
 * The packages of a package-lock.json or npm-shrinkwrap.json: v2 and v3 list them under
 * `packages` by install path ("" is the project itself), v1 nests them under `dependencies`.
 * Development dependencies are left out, as Syft leaves them out by default (an image installed
 * with --omit=dev does not have them); so are links to workspace folders, which are not
 * packages from a registry. Returns a reason instead when the file is not a lockfile.
 */
export function parsePackageLock(text: string): LockedPackage[] | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "not a JSON object";
  const lock = json as { lockfileVersion?: unknown; packages?: unknown; dependencies?: unknown };
  if (typeof lock.packages === "object" && lock.packages !== null) return fromPackages(lock.packages as Record<string, unknown>);
  if (typeof lock.dependencies === "object" && lock.dependencies !== null) return fromDependencies(lock.dependencies as Record<string, unknown>);
  return "neither `packages` nor `dependencies`";
}

function fromPackages(packages: Record<string, unknown>): LockedPackage[] {
  const out: LockedPackage[] = [];
  for (const [installPath, value] of Object.entries(packages)) {
    if (installPath === "" || typeof value !== "object" || value === null) continue;
    const entry = value as Record<string, unknown>;
    if (entry.dev === true || entry.link === true || typeof entry.version !== "string") continue;
    const at = installPath.lastIndexOf("node_modules/");
    if (at === -1) continue;
    const name = typeof entry.name === "string" ? entry.name : installPath.slice(at + "node_modules/".length);
    out.push({ name, version: entry.version, licenses: licensesOf(entry.license, entry.licenses), installPath });
  }
  return out;
}

function fromDependencies(dependencies: Record<string, unknown>): LockedPackage[] {
  const out: LockedPackage[] = [];
  const walk = (level: Record<string, unknown>) => {
    for (const [name, value] of Object.entries(level)) {
      if (typeof value !== "object" || value === null) continue;
      const entry = value as Record<string, unknown>;
      if (entry.dev !== true && typeof entry.version === "string" && !entry.version.startsWith("file:")) out.push({ name, version: entry.version, licenses: [] });
      if (typeof entry.dependencies === "object" && entry.dependencies !== null) walk(entry.dependencies as Record<string, unknown>);
    }
  };
  walk(dependencies);
  return out;
}
