import { execFileSync } from "node:child_process";
import { chmod, link, mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** One path of a build context. A string is a regular file with that content, mode 0644. */
export type ContextEntry =
  | string
  | { content: string | Buffer; mode?: number; xattrs?: Readonly<Record<string, string>>; mtime?: Date }
  | { dir: true; mode?: number }
  | { symlink: string }
  /** A hard link to another entry of the context (written earlier). */
  | { hardlink: string }
  | { fifo: true; mode?: number };

/** Context path (relative, "/"-separated) -> entry, written in order; parents are made 0755. */
export type ContextFiles = Readonly<Record<string, ContextEntry>>;

/**
 * Writes a build context. Modes are set with chmod after creation, so the umask does not change
 * them (setuid/setgid/sticky included). Extended attributes are set with setfattr (values as
 * setfattr takes them: "0x…" hex, "0s…" base64 or text). Owners stay root's: BuildKit's client
 * sends every context file as 0:0 anyway (client/solve.go, resetUIDAndGID).
 */
export async function writeContext(dir: string, files: ContextFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [rel, entry] of Object.entries(files)) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    if (typeof entry === "string") {
      await writeFile(path, entry);
      await chmod(path, 0o644);
    } else if ("content" in entry) {
      await writeFile(path, entry.content);
      await chmod(path, entry.mode ?? 0o644);
      for (const [name, value] of Object.entries(entry.xattrs ?? {})) execFileSync("setfattr", ["-n", name, "-v", value, path]);
      if (entry.mtime) await utimes(path, entry.mtime, entry.mtime);
    } else if ("dir" in entry) {
      await mkdir(path, { recursive: true });
      await chmod(path, entry.mode ?? 0o755);
    } else if ("symlink" in entry) {
      await symlink(entry.symlink, path);
    } else if ("hardlink" in entry) {
      await link(join(dir, entry.hardlink), path);
    } else {
      execFileSync("mkfifo", [path]);
      await chmod(path, entry.mode ?? 0o644);
    }
  }
}
