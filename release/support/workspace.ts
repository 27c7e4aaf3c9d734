import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** This checkout. */
export const repoRoot: string = fileURLToPath(new URL("../..", import.meta.url));

export type DependencyField = "dependencies" | "devDependencies" | "peerDependencies" | "optionalDependencies";

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  files?: string[];
  main?: string;
  module?: string;
  types?: string;
  typings?: string;
  bin?: string | Record<string, string>;
  exports?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface WorkspacePackage {
  /** Relative to the workspace root: `packages/cli`. */
  dir: string;
  manifest: Manifest;
}

/** The workspace's packages (pnpm-workspace.yaml: `packages/*`, `examples/*`), sorted by name. */
export async function listPackages(root: string): Promise<WorkspacePackage[]> {
  const found: WorkspacePackage[] = [];
  for (const parent of ["packages", "examples"]) {
    for (const entry of await readdir(join(root, parent), { withFileTypes: true })) {
      const dir = `${parent}/${entry.name}`;
      const manifestPath = join(root, dir, "package.json");
      if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
      found.push({ dir, manifest: JSON.parse(await readFile(manifestPath, "utf8")) as Manifest });
    }
  }
  return found.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

export type Bump = "patch" | "minor" | "major";

/**
 * What changesets (`@changesets/assemble-release-plan`, determineDependents, with this project's
 * config) releases for one changeset giving `name` a `bump`: name -> bump. A package that depends
 * on a released one at run time (dependencies, optional dependencies: a patch; peer dependencies:
 * a major unless the bump is a patch) is released when the new version leaves its range, and so on
 * transitively. devDependencies never make a release. `workspace:^`/`workspace:~` mean `^`/`~` of
 * the current version: a patch stays inside both, a minor leaves `~` and, for a 0.y version (all of
 * exp's), `^` too. `workspace:*` means exactly the current version, which any bump leaves.
 * `updateInternalDependencies` only says which ranges are rewritten in packages released anyway.
 * Packages `skip` names (changesets' `ignore`) are never released.
 */
export function releasePlan(packages: readonly WorkspacePackage[], name: string, bump: Bump, skip: (name: string) => boolean): Map<string, Bump> {
  const versions = new Map(packages.map((p) => [p.manifest.name, p.manifest.version]));
  const plan = new Map<string, Bump>([[name, bump]]);
  const queue = [name];
  for (let dependency = queue.shift(); dependency !== undefined; dependency = queue.shift()) {
    const current = versions.get(dependency)!;
    const next = bumpVersion(current, plan.get(dependency)!);
    for (const { manifest } of packages) {
      if (plan.has(manifest.name) || skip(manifest.name)) continue;
      const leaves = (range: string | undefined) => range !== undefined && !satisfies(next, workspaceRange(range, current));
      const peer = manifest.peerDependencies?.[dependency];
      const dependentBump: Bump | undefined =
        peer !== undefined && plan.get(dependency) !== "patch"
          ? "major"
          : leaves(manifest.dependencies?.[dependency]) || leaves(manifest.optionalDependencies?.[dependency]) || leaves(peer)
            ? "patch"
            : undefined;
      if (dependentBump) {
        plan.set(manifest.name, dependentBump);
        queue.push(manifest.name);
      }
    }
  }
  return plan;
}

export function bumpVersion(version: string, bump: Bump): string {
  const [major, minor, patch] = parseVersion(version);
  if (bump === "major") return `${major + 1}.0.0`;
  if (bump === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** `workspace:^` -> `^<current>`, `workspace:~` -> `~<current>`, `workspace:*` -> `<current>` (changesets' reading). */
function workspaceRange(range: string, current: string): string {
  if (!range.startsWith("workspace:")) return range;
  const spec = range.slice("workspace:".length);
  if (spec === "*") return current;
  if (spec === "^" || spec === "~") return `${spec}${current}`;
  return spec;
}

function parseVersion(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`not a plain x.y.z version: ${version}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** semver's `satisfies` for the ranges workspace specs become: `^x.y.z`, `~x.y.z` and an exact `x.y.z`. */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  const operator = range[0] === "^" || range[0] === "~" ? range[0] : "";
  const base = parseVersion(range.slice(operator.length));
  const cmp = (a: readonly number[], b: readonly number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  if (operator === "") return cmp(v, base) === 0;
  if (cmp(v, base) < 0) return false;
  if (operator === "~") return v[0] === base[0] && v[1] === base[1];
  // ^: the leftmost non-zero part is fixed.
  if (base[0] !== 0) return v[0] === base[0];
  if (base[1] !== 0) return v[0] === 0 && v[1] === base[1];
  return cmp(v, base) === 0;
}
