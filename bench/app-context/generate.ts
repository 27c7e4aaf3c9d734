import { chmod, lutimes, mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { binary, changelog, javascript, markdown, minified, sourceMap, typings, vocabulary } from "./content.js";
import { planTree, type Plan, type PlannedFile, type TreeShape } from "./plan.js";
import { seeded, seedOf } from "./random.js";

/** Bump whenever the generator's output changes: cached trees are keyed by it. */
export const generatorVersion = 1;

/** The tree issue 20 describes: ~240 MiB in ~12.8k files. */
export const appTreeShape: TreeShape = { seed: 20, files: 12_800, bytes: 240 * 2 ** 20 };

/** Every file, link and directory gets this time, so the tree (and an image of it) is the same each run. */
const mtime = new Date("2024-01-01T00:00:00Z");

/** Writes the planned tree into `dir` (which must not exist yet or be empty). */
export async function writeTree(dir: string, shape: TreeShape): Promise<Plan> {
  const plan = planTree(shape);
  const dirs = new Set<string>([""]);
  for (const path of [...plan.files.map((f) => f.path), ...plan.links.map((l) => l.path)]) {
    for (let d = posix.dirname(path); d !== "." && !dirs.has(d); d = posix.dirname(d)) dirs.add(d);
  }
  const sorted = [...dirs].sort();
  for (const d of sorted) await mkdir(join(dir, d), { recursive: true });
  const vocabularies = plan.packages.map((p) => vocabulary(seeded(p.seed)));
  // A few writes in flight: generation is CPU-bound, this only hides the write latency.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < plan.files.length) {
        const file = plan.files[next++]!;
        const path = join(dir, file.path);
        await writeFile(path, contents(file, plan, vocabularies[file.pkg]!));
        await chmod(path, file.mode); // explicit, so the umask does not change the tree
        await utimes(path, mtime, mtime);
      }
    }),
  );
  for (const link of plan.links) {
    await symlink(link.target, join(dir, link.path));
    await lutimes(join(dir, link.path), mtime, mtime);
  }
  // Deepest first: setting a directory's time after its children are done keeps it.
  for (const d of sorted.reverse()) {
    await chmod(join(dir, d), 0o755);
    await utimes(join(dir, d), mtime, mtime);
  }
  return plan;
}

function contents(file: PlannedFile, plan: Plan, ids: readonly string[]): Buffer {
  if (file.text !== undefined) return Buffer.from(file.text, "latin1");
  const pkg = plan.packages[file.pkg]!;
  // Each file's own stream, seeded by its path: the bytes do not depend on the order of writes.
  const random = seeded(seedOf(pkg.seed, file.path));
  switch (file.kind) {
    case "index":
    case "js":
    case "bundle-source":
      return javascript(random, file.size, ids, "'use strict';\n");
    case "cli":
      return javascript(random, file.size, ids, "#!/usr/bin/env node\n'use strict';\n");
    case "bundle":
      return minified(random, file.size, ids);
    case "dts":
      return typings(random, file.size, ids);
    case "readme":
      return markdown(random, file.size, pkg.name, ids);
    case "changelog":
      return changelog(random, file.size);
    case "map":
      return sourceMap(random, file.size, ids);
    case "binary":
    case "asset":
      return binary(random, file.size);
    default:
      throw new Error(`no contents for ${file.kind} ${file.path}`);
  }
}
