import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { appTreeShape, generatorVersion, writeTree } from "./generate.js";

const run = promisify(execFile);

/** A build context ready to build: the tree, and a Dockerfile outside it (so it is not copied). */
export interface PreparedTree {
  name: "generated" | "real" | "workspace";
  context: string;
  dockerfile: string;
  summary: TreeSummary;
}

export interface TreeSummary {
  files: number;
  symlinks: number;
  dirs: number;
  /** Regular files' sizes added up (a hardlinked file counted each time it appears). */
  bytes: number;
  /** Regular files with another name inside the tree (pnpm hardlinks from its store). */
  hardlinked: number;
}

/** One COPY of the whole tree: the shape issue 20 measures. */
const dockerfile = "FROM scratch\nCOPY . /app/node_modules/\n";

/** Kept between runs under the system temp dir: generating or copying ~250 MiB takes a while. */
const cacheRoot = join(tmpdir(), "exp-bench-app-context");

/** The generated node_modules-shaped tree, made once per generator version and shape. */
export async function generatedTree(log: (line: string) => void): Promise<PreparedTree> {
  const { seed, files, bytes } = appTreeShape;
  const key = `generated-v${generatorVersion}-${seed}-${files}-${bytes}`;
  return cached("generated", "generated-", key, log, async (context) => {
    log(`generating the node_modules-shaped tree (seed ${seed}, ${files} files, ${bytes >> 20} MiB) into ${join(cacheRoot, key)}`);
    await writeTree(context, appTreeShape);
  });
}

/**
 * The commit whose workspace install is the "real" tree: the one that added this scenario and
 * set its targets (20,653 entries, 290 MiB installed). The workspace's own install grows with
 * every dev dependency exp adds (Azurite, the Azure SDK: 50k entries by 2026-12-07), which would
 * make the row measure a different input each session; this one installs the same every time.
 */
export const realTreeCommit = "297bdda3afe0a8852afe1e5c2a0d904651ace43c";

/**
 * A real node_modules/.pnpm, pinned: the workspace's package.json files, lockfile and pnpmfile of
 * `realTreeCommit` installed (`pnpm install --frozen-lockfile --ignore-scripts`; the packages come
 * from pnpm's store or the npm registry), then copied with its symlinks as they are (`cp -a`:
 * hardlinks between identical files inside the tree stay hardlinks).
 */
export async function realTree(repo: string, log: (line: string) => void): Promise<PreparedTree> {
  const key = `pinned-pnpm-${realTreeCommit.slice(0, 12)}`;
  return cached("real", "pinned-pnpm-", key, log, async (context) => {
    const install = `${context}.install`;
    await mkdir(install, { recursive: true });
    try {
      const listed = await run("git", ["-C", repo, "ls-tree", "-r", "--name-only", realTreeCommit], { maxBuffer: 64 << 20 });
      const wanted = listed.stdout.split("\n").filter((path) => /(^|\/)package\.json$/.test(path) && !path.includes("fixtures/") || ["pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.mjs"].includes(path));
      log(`installing the workspace of ${realTreeCommit.slice(0, 12)} (${wanted.length} manifests and its lockfile) into ${install}`);
      await run("bash", ["-c", 'git -C "$1" archive "$2" -- "${@:4}" | tar -x -C "$3"', "archive", repo, realTreeCommit, install, ...wanted], { maxBuffer: 16 << 20 });
      await run("pnpm", ["install", "--frozen-lockfile", "--ignore-scripts", "--prefer-offline", "--reporter", "silent"], { cwd: install, maxBuffer: 16 << 20 });
      await mkdir(context, { recursive: true });
      await run("cp", ["-a", join(install, "node_modules", ".pnpm"), join(context, ".pnpm")], { maxBuffer: 16 << 20 });
    } finally {
      await rm(install, { recursive: true, force: true });
    }
  });
}

/**
 * A copy of the workspace's own node_modules/.pnpm as it is today, keyed by the lockfile: not a
 * target's input (it grows with exp's dev dependencies), measured to show how exp scales with
 * entries beyond the pinned tree.
 */
export async function workspaceTree(repo: string, log: (line: string) => void): Promise<PreparedTree> {
  const lock = createHash("sha256").update(await readFile(join(repo, "pnpm-lock.yaml"))).digest("hex").slice(0, 12);
  const key = `workspace-pnpm-${lock}`;
  return cached("workspace", "workspace-pnpm-", key, log, async (context) => {
    log(`copying ${join(repo, "node_modules", ".pnpm")} (cp -a) into ${join(cacheRoot, key)}`);
    await mkdir(context, { recursive: true });
    await run("cp", ["-a", join(repo, "node_modules", ".pnpm"), join(context, ".pnpm")], { maxBuffer: 16 << 20 });
  });
}

/** The tree cached under `key`, else made by `make`; older trees of the same kind (`prefix`) are removed then. */
async function cached(name: PreparedTree["name"], prefix: string, key: string, log: (line: string) => void, make: (context: string) => Promise<void>): Promise<PreparedTree> {
  const dir = join(cacheRoot, key);
  const ready = await readFile(join(dir, "summary.json"), "utf8").then((text) => JSON.parse(text) as TreeSummary, () => undefined);
  if (ready) {
    log(`${name} tree: cached at ${dir}`);
    return { name, context: join(dir, "context"), dockerfile: join(dir, "Dockerfile"), summary: ready };
  }
  // A tree for another lockfile or generator version will not be used again: 250 MiB each.
  for (const old of await readdir(cacheRoot).catch(() => [])) if (old.startsWith(prefix) && old !== key) await rm(join(cacheRoot, old), { recursive: true, force: true });
  // Made beside, renamed into place when whole: an interrupted run leaves no half tree to reuse.
  const partial = `${dir}.partial-${process.pid}`;
  await mkdir(partial, { recursive: true });
  await make(join(partial, "context"));
  const summary = await summarize(join(partial, "context"));
  await writeFile(join(partial, "Dockerfile"), dockerfile);
  await writeFile(join(partial, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true }); // a stale one without its summary
  await rename(partial, dir);
  return { name, context: join(dir, "context"), dockerfile: join(dir, "Dockerfile"), summary };
}

async function summarize(root: string): Promise<TreeSummary> {
  const summary: TreeSummary = { files: 0, symlinks: 0, dirs: 0, bytes: 0, hardlinked: 0 };
  const inodes = new Map<number, number>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        summary.dirs++;
        await walk(path);
      } else if (entry.isSymbolicLink()) summary.symlinks++;
      else if (entry.isFile()) {
        const info = await lstat(path);
        summary.files++;
        summary.bytes += info.size;
        inodes.set(info.ino, (inodes.get(info.ino) ?? 0) + 1);
      }
    }
  };
  await walk(root);
  for (const count of inodes.values()) if (count > 1) summary.hardlinked += count;
  return summary;
}
