import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Leak, SecretBook } from "./needles.js";

/** How much a scan looked at, so a test can tell a clean scan from an empty one. */
export interface ScanStats {
  files: number;
  bytes: number;
  /** gzip streams and tar members opened and scanned inside. */
  nested: number;
}

export interface ScanResult {
  leaks: Leak[];
  stats: ScanStats;
}

/**
 * Scans every file under `root` (names, symlink targets and contents) for the book's needles.
 * Contents are read as bytes; a gzip stream is also scanned decompressed and a tar archive member
 * by member, so a secret inside a layer, an OCI archive or a compressed blob is found as well.
 * `skip` holds paths (relative to root) that hold secrets by design, such as a docker config.
 */
export async function scanTree(book: SecretBook, root: string, label: string, skip: readonly string[] = []): Promise<ScanResult> {
  const stats: ScanStats = { files: 0, bytes: 0, nested: 0 };
  const leaks: Leak[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const name of entries) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (skip.includes(rel)) continue;
      const where = `${label}/${rel}`;
      leaks.push(...book.scan(`${where} (file name)`, name));
      const info = await lstat(path).catch(() => undefined);
      if (!info) continue; // removed while we walked (a lock file, a temp file)
      if (info.isSymbolicLink()) {
        leaks.push(...book.scan(`${where} (symlink target)`, await readlink(path)));
      } else if (info.isDirectory()) {
        await walk(path);
      } else if (info.isFile()) {
        const bytes = await readFile(path).catch(() => undefined);
        if (!bytes) continue;
        stats.files++;
        stats.bytes += bytes.length;
        scanBytes(book, where, bytes, leaks, stats, 0);
      }
    }
  };
  await walk(root);
  return { leaks, stats };
}

/** Scans bytes, then whatever a gzip stream or tar archive in them holds (a few levels deep). */
export function scanBytes(book: SecretBook, where: string, bytes: Buffer, leaks: Leak[], stats: ScanStats, depth: number): void {
  leaks.push(...book.scan(where, bytes.toString("latin1")));
  if (depth >= 3) return;
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let inflated: Buffer | undefined;
    try {
      inflated = gunzipSync(bytes);
    } catch {
      inflated = undefined; // a truncated stream (a half-written temp file): its raw bytes were scanned
    }
    if (inflated) {
      stats.nested++;
      scanBytes(book, `${where} (gunzipped)`, inflated, leaks, stats, depth + 1);
    }
    return;
  }
  for (const member of tarMembers(bytes)) {
    stats.nested++;
    leaks.push(...book.scan(`${where} (tar member name)`, member.name));
    scanBytes(book, `${where}:${member.name}`, member.data, leaks, stats, depth + 1);
  }
}

/** The members of a ustar/GNU/pax tar, or none when the bytes are not one. Enough for scanning. */
function tarMembers(bytes: Buffer): Array<{ name: string; data: Buffer }> {
  const members: Array<{ name: string; data: Buffer }> = [];
  if (bytes.length < 512 || bytes.toString("latin1", 257, 262) !== "ustar") return members;
  for (let at = 0; at + 512 <= bytes.length; ) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.toString("latin1", 0, 100).replace(/\0.*$/s, "");
    const size = Number.parseInt(header.toString("latin1", 124, 136).replace(/\0.*$/s, "").trim() || "0", 8);
    if (!Number.isFinite(size) || size < 0) break;
    const start = at + 512;
    members.push({ name, data: bytes.subarray(start, Math.min(bytes.length, start + size)) });
    at = start + Math.ceil(size / 512) * 512;
  }
  return members;
}
