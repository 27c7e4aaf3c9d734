import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What an install holds. */
export interface Footprint {
  mib: number;
  packages: number;
  /** Every installed package's name, sorted (a name installed at two versions is listed once). */
  names: string[];
}

/**
 * Packs every public workspace package (`pnpm pack`, which writes the tarball a release would
 * publish, `workspace:` ranges made real) into `dir`; returns package name → tarball path.
 */
export async function packWorkspace(root: string, dir: string): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  const tarballs = new Map<string, string>();
  for (const name of await readdir(join(root, "packages"))) {
    const pkgDir = join(root, "packages", name);
    if (!existsSync(join(pkgDir, "package.json"))) continue;
    const manifest = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8")) as { name: string; private?: boolean };
    if (manifest.private) continue;
    const before = new Set(await readdir(dir));
    execFileSync("pnpm", ["pack", "--pack-destination", dir], { cwd: pkgDir, stdio: ["ignore", "ignore", "pipe"] });
    const made = (await readdir(dir)).find((f) => f.endsWith(".tgz") && !before.has(f));
    if (made) tarballs.set(manifest.name, join(dir, made));
  }
  return tarballs;
}

/**
 * A user's install of `packages` with npm (`npm i --omit=dev`, the flat layout most users get),
 * every `@exp/*` package taken from the packed tarballs and every other from the npm registry, in
 * an empty project `dir`; then what its node_modules holds, size on disk (`du -sk`, blocks).
 */
export async function installedFootprint(packages: readonly string[], tarballs: ReadonlyMap<string, string>, dir: string): Promise<Footprint> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const spec = (name: string) => {
    const tarball = tarballs.get(name);
    if (!tarball) throw new Error(`no packed tarball for ${name}`);
    return `file:${tarball}`;
  };
  const dependencies = Object.fromEntries(packages.map((p) => [p, spec(p)]));
  // Every other @exp package a dependency names resolves to its tarball, not to the npm registry.
  const overrides = Object.fromEntries([...tarballs.keys()].filter((n) => !packages.includes(n)).map((n) => [n, spec(n)]));
  await writeFile(join(dir, "package.json"), `${JSON.stringify({ name: "footprint-probe", private: true, dependencies, overrides }, null, 2)}\n`);
  execFileSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const modules = join(dir, "node_modules");
  const names = await installedNames(modules);
  const kib = Number(execFileSync("du", ["-sk", modules], { encoding: "utf8" }).split("\t")[0]);
  return { mib: Math.round((kib / 1024) * 10) / 10, packages: names.length, names: [...new Set(names)].sort() };
}

/** Every package directory under a node_modules tree, nested ones included. */
async function installedNames(modules: string): Promise<string[]> {
  if (!existsSync(modules)) return [];
  const names: string[] = [];
  for (const entry of await readdir(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dirs = entry.name.startsWith("@") ? (await readdir(join(modules, entry.name))).map((n) => [`${entry.name}/${n}`, join(modules, entry.name, n)] as const) : [[entry.name, join(modules, entry.name)] as const];
    for (const [name, path] of dirs) {
      if (!existsSync(join(path, "package.json"))) continue;
      names.push(name, ...(await installedNames(join(path, "node_modules"))));
    }
  }
  return names;
}
