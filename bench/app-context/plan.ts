import { posix } from "node:path";
import { identifier, license } from "./content.js";
import { chance, int, logUniform, pick, seeded, type Random } from "./random.js";

/** How big a generated tree is: the seed picks everything else. */
export interface TreeShape {
  seed: number;
  /** Regular files to reach (the last package may overshoot by a few dozen). */
  files: number;
  /** Total bytes of the regular files, hit to within a few bytes per file by scaling the text sizes. */
  bytes: number;
}

export type Kind = "package-json" | "license" | "lock" | "index" | "cli" | "js" | "dts" | "readme" | "changelog" | "bundle" | "bundle-source" | "map" | "binary" | "asset";

export interface PlannedFile {
  /** Relative to the tree's root (the node_modules directory), "/"-separated. */
  path: string;
  kind: Kind;
  size: number;
  mode: number;
  /** Per-package contents share that package's vocabulary. */
  pkg: number;
  /** Fixed text (package.json, LICENSE, lock.yaml): made while planning, never scaled. */
  text?: string;
}

export interface PlannedLink {
  path: string;
  target: string;
}

export interface PlannedPackage {
  name: string;
  version: string;
  /** The package's own directory, as pnpm lays it out: .pnpm/<name with + for />@<version>/node_modules/<name>. */
  dir: string;
  seed: number;
}

export interface Plan {
  packages: PlannedPackage[];
  files: PlannedFile[];
  links: PlannedLink[];
}

const kebab = (random: Random) => identifier(random).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const scalable = (kind: Kind) => kind !== "package-json" && kind !== "license" && kind !== "lock";

/**
 * A node_modules tree as pnpm lays it out: every package under .pnpm/<name>@<version>/node_modules/
 * with symlinks to its dependencies beside it, scoped packages (@scope/name), the direct
 * dependencies linked at the top, binaries in .bin, the rest hoisted into .pnpm/node_modules.
 * Per package: package.json, LICENSE, README, an entry point, lib/ files in nested directories,
 * typings and source maps for some, minified bundles for a fifth, prebuilt binaries for a few.
 */
export function planTree(shape: TreeShape): Plan {
  const random = seeded(shape.seed);
  const scopes = Array.from({ length: 12 }, () => `@${kebab(random)}`);
  const packages: PlannedPackage[] = [];
  const files: PlannedFile[] = [];
  const names = new Set<string>();
  while (files.length < shape.files) {
    let name: string;
    if (packages.length > 0 && chance(random, 0.08)) name = pick(random, packages).name; // a second version
    else {
      do name = chance(random, 0.2) ? `${pick(random, scopes)}/${kebab(random)}` : kebab(random);
      while (names.has(name));
    }
    let version: string;
    do version = `${int(random, 0, 12)}.${int(random, 0, 30)}.${int(random, 0, 20)}`;
    while (packages.some((p) => p.name === name && p.version === version));
    names.add(name);
    const pkg: PlannedPackage = { name, version, dir: `.pnpm/${name.replace("/", "+")}@${version}/node_modules/${name}`, seed: Math.floor(random() * 2 ** 32) };
    packages.push(pkg);
    files.push(...packageFiles(random, pkg, packages.length - 1));
  }
  const links = planLinks(random, packages, files);
  files.push({ path: ".pnpm/lock.yaml", kind: "lock", size: 0, mode: 0o644, pkg: 0, text: lockfile(packages) });
  for (const f of files) if (f.text !== undefined) f.size = Buffer.byteLength(f.text);
  // Scale the text and binary sizes so the tree holds the bytes asked for.
  const fixed = files.filter((f) => !scalable(f.kind)).reduce((n, f) => n + f.size, 0);
  const planned = files.filter((f) => scalable(f.kind)).reduce((n, f) => n + f.size, 0);
  const factor = (shape.bytes - fixed) / planned;
  for (const f of files) if (scalable(f.kind)) f.size = Math.max(1, Math.round(f.size * factor));
  return { packages, files, links };
}

function packageFiles(random: Random, pkg: PlannedPackage, index: number): PlannedFile[] {
  const out: PlannedFile[] = [];
  const add = (path: string, kind: Kind, size: number, mode = 0o644, text?: string) => out.push({ path: `${pkg.dir}/${path}`, kind, size, mode, pkg: index, ...(text === undefined ? {} : { text }) });
  const short = pkg.name.split("/").pop()!;
  const hasBin = chance(random, 0.1);
  const hasTypes = chance(random, 0.35);
  const hasMaps = chance(random, 0.15);
  const hasBundle = chance(random, 0.2);
  add("package.json", "package-json", 0, 0o644, packageJson(random, pkg, hasBin, hasTypes));
  if (chance(random, 0.9)) add("LICENSE", "license", 0, 0o644, license(random, short));
  if (chance(random, 0.85)) add("README.md", "readme", logUniform(random, 600, 24_000));
  if (chance(random, 0.25)) add("CHANGELOG.md", "changelog", logUniform(random, 1500, 80_000));
  add("index.js", "index", logUniform(random, 120, 4000));
  if (chance(random, 0.45)) add("index.d.ts", "dts", logUniform(random, 150, 6000));
  if (hasBin) add(`bin/${short}.js`, "cli", logUniform(random, 300, 6000), 0o755);
  // lib/ in one to four nested directories, depth like real packages (lib/internal/utils/x.js).
  const base = pick(random, ["lib", "lib", "dist", "cjs", "src"]);
  const dirs = [base];
  for (let i = int(random, 0, 3); i > 0; i--) dirs.push(`${pick(random, dirs)}/${kebab(random)}`);
  const used = new Set<string>();
  for (let i = logUniform(random, 1, 60) - 1; i > 0; i--) {
    const dir = pick(random, dirs);
    const file = `${dir}/${kebab(random)}`;
    if (used.has(file)) continue;
    used.add(file);
    const size = logUniform(random, 150, 40_000);
    add(`${file}.js`, "js", size);
    if (hasTypes) add(`${file}.d.ts`, "dts", logUniform(random, 100, 12_000));
    if (hasMaps) add(`${file}.js.map`, "map", size);
  }
  if (hasBundle) {
    const size = logUniform(random, 20_000, 1_600_000);
    add(`dist/${short}.min.js`, "bundle", size);
    add(`dist/${short}.js`, "bundle-source", Math.round(size * 1.6));
    add(`dist/${short}.min.js.map`, "map", size);
  }
  if (chance(random, 0.02)) {
    if (chance(random, 0.5)) add(`${short}.linux-x64-gnu.node`, "binary", logUniform(random, 200_000, 8_000_000));
    else add(`bin/${short}`, "binary", logUniform(random, 200_000, 8_000_000), 0o755);
  }
  if (chance(random, 0.05)) for (let i = int(random, 1, 3); i > 0; i--) add(`assets/${kebab(random)}.${pick(random, ["png", "wasm", "woff2"])}`, "asset", logUniform(random, 500, 60_000));
  return out;
}

function planLinks(random: Random, packages: readonly PlannedPackage[], files: readonly PlannedFile[]): PlannedLink[] {
  const links: PlannedLink[] = [];
  const link = (path: string, to: string) => links.push({ path, target: posix.relative(posix.dirname(path), to) });
  // Each package's dependencies, as symlinks beside it in its .pnpm/<name>@<version>/node_modules.
  for (const pkg of packages) {
    const home = pkg.dir.slice(0, pkg.dir.length - pkg.name.length);
    const taken = new Set([pkg.name]);
    for (let i = Math.min(int(random, 0, 6), int(random, 0, 6)); i > 0; i--) {
      const dep = pick(random, packages);
      if (taken.has(dep.name)) continue;
      taken.add(dep.name);
      link(`${home}${dep.name}`, dep.dir);
    }
  }
  // The first version of each name: the direct ones at the top (with their binaries in .bin),
  // half of the others hoisted into .pnpm/node_modules.
  const first = new Map<string, PlannedPackage>();
  for (const pkg of packages) if (!first.has(pkg.name)) first.set(pkg.name, pkg);
  const direct = Math.max(3, Math.round(first.size / 18));
  let n = 0;
  for (const pkg of first.values()) {
    if (n++ < direct) {
      link(pkg.name, pkg.dir);
      for (const f of files) if (f.kind === "cli" && f.path.startsWith(`${pkg.dir}/bin/`)) link(`.bin/${posix.basename(f.path, ".js")}`, `${pkg.name}/bin/${posix.basename(f.path)}`);
    } else if (chance(random, 0.5)) link(`.pnpm/node_modules/${pkg.name}`, pkg.dir);
  }
  return links;
}

function packageJson(random: Random, pkg: PlannedPackage, bin: boolean, types: boolean): string {
  const short = pkg.name.split("/").pop()!;
  const json: Record<string, unknown> = {
    name: pkg.name,
    version: pkg.version,
    description: `${identifier(random)} ${identifier(random)} for ${identifier(random)}`,
    main: "index.js",
    ...(types ? { types: "index.d.ts" } : {}),
    ...(bin ? { bin: { [short]: `bin/${short}.js` } } : {}),
    repository: { type: "git", url: `git+https://github.com/${short}/${short}.git` },
    keywords: Array.from({ length: int(random, 0, 6) }, () => identifier(random)),
    license: "MIT",
    engines: { node: `>=${int(random, 8, 20)}` },
    scripts: { test: "node test.js", build: "tsc -p ." },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function lockfile(packages: readonly PlannedPackage[]): string {
  const lines = ["lockfileVersion: '9.0'", "", "packages:", ""];
  for (const p of packages) lines.push(`  ${p.name}@${p.version}:`, `    resolution: {integrity: sha512-${p.seed.toString(36)}}`, "");
  return `${lines.join("\n")}\n`;
}
