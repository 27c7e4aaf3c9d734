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
  name: "generated" | "real";
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
 * A copy of the workspace's own node_modules/.pnpm, symlinks as they are (`cp -a`: pnpm's
 * hardlinks between identical files stay hardlinks too), keyed by the lockfile so a new install
 * is copied again.
 */
export async function realTree(repo: string, log: (line: string) => void): Promise<PreparedTree> {
  const lock = createHash("sha256").update(await readFile(join(repo, "pnpm-lock.yaml"))).digest("hex").slice(0, 12);
  const key = `pnpm-${lock}`;
  return cached("real", "pnpm-", key, log, async (context) => {
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
