import { createHash } from "node:crypto";
import { createReadStream, type BigIntStats } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { resolve } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { assertTools } from "../tools.js";
import type { TreeEntry, TreeEntryType, TreeSnapshot } from "./tree.js";
import { readXattrs } from "./xattrs.js";

export interface SnapshotOptions {
  signal?: AbortSignal;
  /**
   * A snapshot of the tree this one was derived from (the unpacked base image). A file whose size
   * and mtime equal the baseline's entry at the same path takes the baseline's hash instead of being
   * read again: a Debian rootfs is ~8 700 entries and ~170 MB, of which an image built on it changes
   * a handful. (A builder that rewrote a base file with the same size *and* the same mtime would go
   * unnoticed; layer diffs cannot do that, they carry the new file's own mtime.)
   */
  baseline?: TreeSnapshot;
}

// Directories read at once; files hashed at once.
const DIR_CONCURRENCY = 16;
const HASH_CONCURRENCY = 8;

/**
 * Describes the tree under `root` for comparison with diffTrees: for every path its type, mode
 * (with setuid/setgid/sticky), owner, symlink target, device numbers, hard-link group, extended
 * attributes (getfattr, from Debian's `attr`) and file content hash. Run it as root on a tree
 * unpacked as root, or owners and security.* attributes are not what the image holds.
 */
export async function snapshotTree(root: string, options: SnapshotOptions = {}): Promise<TreeSnapshot> {
  assertTools(["getfattr"], "snapshotTree");
  const { signal, baseline } = options;
  const top = resolve(root);
  const abs = (path: string) => (path === "/" ? top : top + path);
  const stats = new Map<string, BigIntStats>();

  stats.set("/", await lstat(top, { bigint: true }));
  let level = ["/"];
  while (level.length > 0) {
    throwIfAborted(signal, "snapshotTree");
    const next: string[] = [];
    await eachLimit(level, DIR_CONCURRENCY, async (dir) => {
      const names = await readdir(abs(dir));
      await Promise.all(
        names.map(async (name) => {
          const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
          const st = await lstat(abs(path), { bigint: true });
          stats.set(path, st);
          if (st.isDirectory()) next.push(path);
        }),
      );
    });
    level = next;
  }

  const paths = [...stats.keys()].sort();
  const xattrs = await readXattrs(paths.map(abs), signal);
  const groups = hardLinkGroups(stats);
  const entries = new Map<string, TreeEntry>();
  const toHash: string[] = [];
  for (const path of paths) {
    const st = stats.get(path)!;
    const type = entryType(st);
    const entry: TreeEntry = {
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      xattrs: xattrs.get(abs(path)) ?? {},
      mtimeNs: st.mtimeNs,
    };
    if (type === "file") {
      entry.size = Number(st.size);
      const before = baseline?.entries.get(path);
      if (before?.type === "file" && before.size === entry.size && before.mtimeNs === entry.mtimeNs && before.sha256) entry.sha256 = before.sha256;
      else toHash.push(path);
    } else if (type === "symlink") {
      entry.target = await readlink(abs(path));
    } else if (type === "char" || type === "block") {
      entry.rdev = deviceNumbers(st.rdev);
    }
    const group = groups.get(`${st.dev}:${st.ino}`);
    if (group && group.length > 1) entry.links = group;
    entries.set(path, entry);
  }
  await eachLimit(toHash, HASH_CONCURRENCY, async (path) => {
    throwIfAborted(signal, "snapshotTree");
    entries.get(path)!.sha256 = await sha256File(abs(path));
  });
  return { root: top, entries };
}

function entryType(st: BigIntStats): TreeEntryType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isFIFO()) return "fifo";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  return "socket";
}

/** Paths sharing an inode (directories cannot be hard-linked), each group sorted. */
function hardLinkGroups(stats: ReadonlyMap<string, BigIntStats>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [path, st] of stats) {
    if (st.isDirectory() || st.nlink < 2n) continue;
    const key = `${st.dev}:${st.ino}`;
    const group = groups.get(key);
    if (group) group.push(path);
    else groups.set(key, [path]);
  }
  for (const group of groups.values()) group.sort();
  return groups;
}

/** glibc's major()/minor() of a Linux dev_t. */
function deviceNumbers(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
