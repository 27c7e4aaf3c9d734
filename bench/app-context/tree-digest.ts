import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

/** Every path under `root` with its type, mode and content digest or link target: two trees are the same files when these maps are equal. */
export async function describeTree(root: string, rel = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const info = await lstat(join(root, path));
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isDirectory()) {
      out.set(path, `dir ${mode}`);
      for (const [k, v] of await describeTree(root, path)) out.set(k, v);
    } else if (info.isSymbolicLink()) out.set(path, `link ${await readlink(join(root, path))}`);
    else out.set(path, `file ${mode} ${createHash("sha256").update(await readFile(join(root, path))).digest("hex")}`);
  }
  return out;
}

/** The paths at which two descriptions differ. */
export function differences(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((path) => a.get(path) !== b.get(path)).sort();
}
