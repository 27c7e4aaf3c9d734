import { readFile } from "node:fs/promises";
import { runTool } from "@exp/testing";

/** Unmounts every mount point under `dir` (deepest first), e.g. case overlays left by a timeout. */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile("/proc/self/mounts", "utf8"))
    .split("\n")
    .map((line) => line.split(" ")[1])
    .filter((p): p is string => p !== undefined && p.startsWith(`${dir}/`))
    // /proc/self/mounts escapes space, tab, newline and backslash as octal.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .sort((a, b) => b.length - a.length);
  for (const mount of mounts) await runTool("umount", [mount]).catch(() => "");
}
