import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run, runOk, userEnv, type Outcome } from "./run.js";

export type PackageManager = "npm" | "pnpm";

export interface ConsumerOptions {
  /** The private registry (`http://127.0.0.1:PORT/`) that serves `scopes`. */
  registryUrl: string;
  /** Scopes installed from it; everything else comes from the default registry. */
  scopes: readonly string[];
  /** The package manager's cache (npm's cache, pnpm's store and metadata cache), kept between runs. */
  cacheDir: string;
  /** HOME for every command: an empty directory. */
  home: string;
}

/** An empty project outside the workspace, as a user makes one, and its package manager. */
export interface Consumer {
  manager: PackageManager;
  dir: string;
  /** `npm i <specs>` / `pnpm add <specs>`. */
  add(...specs: string[]): Promise<Outcome>;
  /** `npm update <name>` / `pnpm update <name>`: the newest version its range allows, nothing else. */
  update(name: string): Promise<Outcome>;
  /** name -> installed version(s), from the lockfile, for every package of `scope`. */
  installed(scope: string): Promise<Record<string, string>>;
  /** The installed `exp` (`node_modules/.bin/exp`) run in the project, its store in `<dir>/.exp`. */
  exp(...args: string[]): Promise<Outcome>;
}

/**
 * Third-party packages come from the default registry, once per machine: npm runs with
 * `prefer-offline` on a cache under `cacheDir`, pnpm with its store and metadata cache there.
 * The private registry's packages are at a new URL every run (a fresh port), so never stale.
 */
export async function makeConsumer(manager: PackageManager, dir: string, options: ConsumerOptions): Promise<Consumer> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), `${JSON.stringify({ name: `release-test-${manager}-consumer`, version: "1.0.0", private: true }, null, 2)}\n`);
  const scoped = options.scopes.map((scope) => `${scope}:registry=${options.registryUrl}`);
  const env = userEnv(options.home);
  if (manager === "npm") {
    await writeFile(join(dir, ".npmrc"), [...scoped, `cache=${options.cacheDir}`, "prefer-offline=true", "fund=false", "audit=false", "update-notifier=false", ""].join("\n"));
  } else {
    await writeFile(join(dir, ".npmrc"), [...scoped, ""].join("\n"));
    // pnpm 12 takes its settings from pnpm-workspace.yaml (a lone project may have one). It holds
    // back versions published less than a day ago (minimumReleaseAge); a user of a private
    // registry exempts their own scopes, as here: everything in it was published seconds ago.
    const settings = {
      storeDir: join(options.cacheDir, "store"),
      cacheDir: join(options.cacheDir, "metadata"),
      preferOffline: true,
      minimumReleaseAgeExclude: options.scopes.map((scope) => `${scope}/*`),
    };
    await writeFile(join(dir, "pnpm-workspace.yaml"), `${JSON.stringify(settings, null, 2)}\n`);
  }
  const pm = (args: string[]) => runOk(manager, args, { cwd: dir, env });

  return {
    manager,
    dir,
    add: (...specs) => pm(manager === "npm" ? ["install", ...specs] : ["add", ...specs]),
    // The private registry's metadata was cached by the first install: ask it again.
    update: (name) => pm(manager === "npm" ? ["update", name, "--prefer-offline=false", "--prefer-online"] : ["update", name, "--prefer-offline=false"]),
    installed: (scope) => (manager === "npm" ? npmInstalled(dir, scope) : pnpmInstalled(dir, scope)),
    exp: (...args) => run(join(dir, "node_modules", ".bin", "exp"), args, { cwd: dir, env: { ...env, EXP_ROOT: join(dir, ".exp") }, timeoutMs: 60_000 }),
  };
}

async function npmInstalled(dir: string, scope: string): Promise<Record<string, string>> {
  const lock = JSON.parse(await readFile(join(dir, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  const found: Record<string, Set<string>> = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    if (path && name.startsWith(`${scope}/`) && entry.version) (found[name] ??= new Set()).add(entry.version);
  }
  return joinVersions(found);
}

async function pnpmInstalled(dir: string, scope: string): Promise<Record<string, string>> {
  const path = join(dir, "pnpm-lock.yaml");
  if (!existsSync(path)) return {};
  const found: Record<string, Set<string>> = {};
  // The `packages:` section keys every resolved package as `'@scope/name@1.2.3':`.
  const pattern = new RegExp(`^  '?(${scope.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/[^@']+)@([^'(:]+)'?:`, "gm");
  for (const match of (await readFile(path, "utf8")).matchAll(pattern)) (found[match[1]!] ??= new Set()).add(match[2]!);
  return joinVersions(found);
}

function joinVersions(found: Record<string, Set<string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(found)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, versions]) => [name, [...versions].sort().join(" ")]),
  );
}
