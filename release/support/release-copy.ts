import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { run, runOk } from "./run.js";
import { manifestTargets } from "./tarball.js";
import { listPackages, type WorkspacePackage } from "./workspace.js";

/**
 * The release flow (changesets) run in a copy of the repository, never in the checkout: its
 * package.json versions and CHANGELOGs change, its changesets are consumed.
 */
export interface ReleaseCopy {
  dir: string;
  /** The copy's packages as they are now (after `version()` they carry the new versions). */
  packages(): Promise<WorkspacePackage[]>;
  /** `pnpm version-packages` (= `changeset version`), then a "Version Packages" commit as a release PR makes. */
  version(): Promise<void>;
  /** A changeset file, as `pnpm changeset` writes it. */
  addChangeset(id: string, bumps: Readonly<Record<string, "patch" | "minor" | "major">>, summary: string): Promise<void>;
  /** Files the last `version()` changed, relative to the copy (from its commit). */
  lastVersionChanges(): Promise<string[]>;
  /**
   * `pnpm publish -r` to `registryUrl` with `authLine` as the only npm configuration: every public
   * package whose version is not in the registry yet (pnpm skips the others, as `changeset publish` does).
   */
  publish(registryUrl: string, authLine: string): Promise<string>;
}

/**
 * What is wrong with the checkout's builds, one line per public package whose `dist/` is missing
 * or lacks a file its package.json points at (a build that failed, or is running right now).
 */
export function unbuiltPackages(root: string, packages: readonly WorkspacePackage[]): string[] {
  return packages.flatMap(({ dir, manifest }) => {
    if (manifest.private) return [];
    if (!existsSync(join(root, dir, "dist"))) return [`${dir} has no dist/`];
    const missing = manifestTargets(manifest).filter((target) => !existsSync(join(root, dir, target)));
    return missing.length > 0 ? [`${dir} has no ${missing.join(", ")}`] : [];
  });
}

/**
 * A copy of the checkout in `dir` as it is now (tracked and untracked files, not ignored ones: the
 * sources the checkout's `dist/` were built from; in CI, exactly the commit) in a fresh git
 * repository (changesets asks git which commit added each changeset), with the checkout's built
 * `dist/` of every public package copied in (CI builds before the tests; building again here would
 * take minutes), and the workspace's dependencies installed: `pnpm pack`/`publish` need the
 * workspace links to turn `workspace:^` into real versions. The pnpm store is the machine's
 * (filled by `pnpm install` in the checkout), so this is a link-only install; with `CI=true` the
 * lockfile is frozen, as in CI's own install.
 */
export async function makeReleaseCopy(root: string, dir: string, env: NodeJS.ProcessEnv): Promise<ReleaseCopy> {
  const listed = await runOk("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, env });
  // A tracked file deleted in the working tree is not part of it.
  const files = [...new Set(listed.stdout.split("\0").filter(Boolean))].filter((file) => existsSync(join(root, file)));
  await Promise.all([...new Set(files.map((file) => dirname(join(dir, file))))].map((parent) => mkdir(parent, { recursive: true })));
  for (let i = 0; i < files.length; i += 64) {
    await Promise.all(files.slice(i, i + 64).map((file) => copyFile(join(root, file), join(dir, file))));
  }
  for (const p of await listPackages(dir)) {
    if (!p.manifest.private) await cp(join(root, p.dir, "dist"), join(dir, p.dir, "dist"), { recursive: true });
  }
  await runOk("pnpm", ["install", "--prefer-offline", "--ignore-scripts", "--reporter=silent"], { cwd: dir, env });
  const git = (...args: string[]) => runOk("git", ["-c", "user.name=exp release test", "-c", "user.email=release-test@example.invalid", ...args], { cwd: dir, env });

  await git("init", "--quiet", "--initial-branch=main");
  await git("add", "--all");
  await git("commit", "--quiet", "-m", "the checkout");

  return {
    dir,
    packages: () => listPackages(dir),
    async version() {
      await runOk("pnpm", ["run", "version-packages"], { cwd: dir, env });
      await git("add", "--all");
      await git("commit", "--quiet", "--allow-empty", "-m", "Version Packages");
    },
    async addChangeset(id, bumps, summary) {
      const header = Object.entries(bumps).map(([name, bump]) => `"${name}": ${bump}`);
      await writeFile(join(dir, ".changeset", `${id}.md`), `---\n${header.join("\n")}\n---\n\n${summary}\n`);
      await git("add", `.changeset/${id}.md`);
      await git("commit", "--quiet", "-m", `changeset ${id}`);
    },
    async lastVersionChanges() {
      const { stdout } = await git("diff", "--name-only", "HEAD~1", "HEAD");
      return stdout.split("\n").filter(Boolean).sort();
    },
    async publish(registryUrl, authLine) {
      const userconfig = join(dir, "..", "publish.npmrc");
      await writeFile(userconfig, `${authLine}\n`);
      // --no-git-checks: the copy has no remote that a release would push to first.
      const args = ["publish", "-r", "--registry", registryUrl, "--no-git-checks"];
      const outcome = await run("pnpm", args, { cwd: dir, env: { ...env, NPM_CONFIG_USERCONFIG: userconfig } });
      if (outcome.code !== 0) throw new Error(`pnpm ${args.join(" ")} exited ${outcome.code}\n${outcome.stdout}\n${outcome.stderr}`);
      return outcome.stdout;
    },
  };
}
