import type { Stats } from "node:fs";
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { getAttributeSync } from "@napi-rs/xattr";
import { throwIfAborted } from "@exp/errors";
import { ContextNotFoundError } from "./errors.js";
import type { IgnoreMatcher } from "./ignore-matcher.js";
import type { KnownXattrs } from "./content-hash-cache.js";
import { compareBytes } from "./path-order.js";
import { ancestorsOf, joinRelative } from "./paths.js";

/** One path of a build context, as lstat saw it during the walk. */
export interface ContextEntry {
  /** "app/server.js": POSIX, relative to the context, no leading "./". */
  path: string;
  type: "file" | "dir" | "symlink" | "fifo";
  /** Permission bits including setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a file; 0 for directories and symlinks (their st_size depends on the filesystem). */
  size: number;
  mtimeMs: number;
  /** Status-change time; with dev/ino/size/mtime it keys the content-hash cache. */
  ctimeMs: number;
  /** A symlink's target, verbatim. */
  linkTarget?: string;
  dev: number;
  ino: number;
  nlink: number;
  /** The extended attributes a layer carries (base64 values): see LAYER_XATTRS. */
  xattrs?: Record<string, string>;
}

/**
 * The only extended attribute BuildKit's layers carry: containerd's tar writer (archive/tar.go
 * ChangeWriter.HandleChange) records `security.capability` and no other, so user.* attributes
 * never reach an image built by BuildKit; exp reads and writes the same one.
 */
export const LAYER_XATTRS: readonly string[] = ["security.capability"];

export interface WalkContextOptions {
  /** The .dockerignore matcher; ignored paths are left out (and ignored directories skipped when nothing below can be re-included). */
  matcher?: IgnoreMatcher;
  signal?: AbortSignal;
  /**
   * The carried xattrs already known for a file in this exact version (ContentHashCache's
   * knownXattrs: same inode, size, mtime and ctime, and an xattr change moves ctime): null for
   * none, undefined to read them. A warm rebuild's walk then makes one lstat per file, not two calls.
   */
  knownXattrs?: (file: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }) => KnownXattrs | undefined;
}

/** Entries listed between two returns to the event loop (see walkContext). */
const YIELD_EVERY = 512;

/**
 * Lists a build context without following symlinks, sorted by the UTF-8 byte order of the path.
 * FIFOs are listed (BuildKit's context transfer sends them and its copier recreates them); sockets
 * and device nodes are skipped without error, as BuildKit's fsutil walker skips them.
 * An ignored directory whose subtree holds a re-included path is listed, so that path has a parent.
 * File names are decoded as UTF-8; names that are not valid UTF-8 are not supported.
 *
 * The directory reads and lstat calls are synchronous, as fsutil's walker makes them from Go: each
 * costs a few microseconds from the page cache, where a promise through libuv's pool costs tens,
 * which on a node_modules tree of 17k entries was 0.65 s of CPU against 0.17 s (the whole of a warm
 * rebuild's context load). The walk returns to the event loop every YIELD_EVERY entries, so an
 * abort or a progress update is not held up by a large tree.
 */
export async function walkContext(contextDir: string, options: WalkContextOptions = {}): Promise<ContextEntry[]> {
  const { matcher, signal } = options;
  throwIfAborted(signal, "walking the build context");
  let rootStats: Stats;
  try {
    rootStats = await stat(contextDir);
  } catch (error) {
    throw new ContextNotFoundError(contextDir, "does not exist or cannot be read", error);
  }
  if (!rootStats.isDirectory()) throw new ContextNotFoundError(contextDir, "is not a directory");

  const kept: ContextEntry[] = [];
  // Ignored directories met on the way, listed after all only if something below them is kept.
  const ignoredDirs = new Map<string, ContextEntry>();
  const pending: string[] = [""];
  let sinceYield = 0;
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    for (const name of readdirSync(join(contextDir, dir))) {
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
        throwIfAborted(signal, "walking the build context");
      }
      const entry = readEntry(contextDir, joinRelative(dir, name), options.knownXattrs);
      if (!entry) continue;
      const isDir = entry.type === "dir";
      if (matcher?.ignores(entry.path, isDir)) {
        if (isDir && matcher.mayMatchInside(entry.path)) {
          ignoredDirs.set(entry.path, entry);
          pending.push(entry.path);
        }
        continue;
      }
      kept.push(entry);
      if (isDir) pending.push(entry.path);
    }
  }
  throwIfAborted(signal, "walking the build context");
  if (ignoredDirs.size > 0) {
    const parents = new Set<string>();
    for (const entry of kept) for (const ancestor of ancestorsOf(entry.path)) parents.add(ancestor);
    for (const [path, entry] of ignoredDirs) if (parents.has(path)) kept.push(entry);
  }
  return kept.sort((a, b) => compareBytes(a.path, b.path));
}

function readEntry(contextDir: string, path: string, knownXattrs: WalkContextOptions["knownXattrs"]): ContextEntry | undefined {
  const absolute = join(contextDir, path);
  // Deleted between readdir and lstat: it is simply not part of the context.
  const stats = lstatSync(absolute, { throwIfNoEntry: false });
  if (!stats) return undefined;
  const type = stats.isFile() ? "file" : stats.isDirectory() ? "dir" : stats.isSymbolicLink() ? "symlink" : stats.isFIFO() ? "fifo" : undefined;
  if (!type) return undefined;
  return {
    path,
    type,
    mode: stats.mode & 0o7777,
    uid: small(stats.uid),
    gid: small(stats.gid),
    size: type === "file" ? small(stats.size) : 0,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    ...(type === "symlink" ? { linkTarget: readlinkSync(absolute) } : {}),
    dev: small(stats.dev),
    ino: small(stats.ino),
    nlink: small(stats.nlink),
    ...(type === "symlink" || type === "fifo" ? {} : xattrsOf(absolute, type === "file" ? knownXattrs?.(stats) : undefined)),
  };
}

/**
 * The same number, made a small integer where it is one: lstat's fields come out of a Float64Array
 * as heap numbers, and an object keeps a 16-byte box per such field; a node_modules tree of 48k
 * entries held half a million of them. `| 0` keeps the value (checked range) and lets V8 store it
 * inline.
 */
function small(value: number): number {
  return value >= 0 && value <= 0x3fff_ffff ? value | 0 : value;
}

function xattrsOf(path: string, known: KnownXattrs | undefined): { xattrs?: Record<string, string> } {
  if (known === undefined) return readXattrs(path);
  return known === null ? {} : { xattrs: { ...known } };
}

/** lgetxattr of each carried attribute: about 4 µs a file, and null when absent or unsupported. */
function readXattrs(path: string): { xattrs?: Record<string, string> } {
  let found: Record<string, string> | undefined;
  for (const name of LAYER_XATTRS) {
    const value = getAttributeSync(path, name);
    if (value && value.length > 0) (found ??= {})[name] = value.toString("base64");
  }
  return found ? { xattrs: found } : {};
}
