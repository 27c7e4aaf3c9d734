import { UnsafePathError } from "../errors.js";

const WHITEOUT_PREFIX = ".wh.";
/** NAME_MAX of Linux filesystems: the longest name of one directory entry, in bytes. */
const maxNameBytes = 255;
const OPAQUE_MARKER = ".wh..wh..opq";
/** Names under this prefix are AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs), not files. */
const META_PREFIX = ".wh..wh.";

/** What one tar entry name means for the filesystem being assembled. */
export type EntryName =
  | { kind: "root" }
  | { kind: "path"; parts: string[] }
  /** `dir/.wh.name`: delete `dir/name`, as lower layers made it. */
  | { kind: "whiteout"; dir: string[]; name: string }
  /** `dir/.wh..wh..opq`: `dir` keeps only what this layer puts in it. */
  | { kind: "opaque"; dir: string[] }
  | { kind: "ignored" };

/**
 * Splits a tar entry name into clean components, refusing every name that could land outside the
 * output root: absolute names and ".." components are rejected rather than cleaned, because a
 * layer that carries them was not made by a well-behaved builder and silently rebasing them would
 * hide that. "." components and repeated or trailing slashes are harmless and dropped.
 */
export function parseEntryName(name: string): EntryName {
  const parts = splitSafe(name);
  if (parts.length === 0) return { kind: "root" };
  const last = parts[parts.length - 1] as string;
  const dir = parts.slice(0, -1);
  if (dir.some((part) => part.startsWith(META_PREFIX))) return { kind: "ignored" };
  if (last === OPAQUE_MARKER) return { kind: "opaque", dir };
  if (last.startsWith(META_PREFIX)) return { kind: "ignored" };
  if (last.startsWith(WHITEOUT_PREFIX)) {
    const target = last.slice(WHITEOUT_PREFIX.length);
    // ".wh.." and ".wh..." would white out the directory itself or its parent.
    if (target === "" || target === "." || target === "..") throw new UnsafePathError(name, "a whiteout must name an entry of its directory");
    return { kind: "whiteout", dir, name: target };
  }
  return { kind: "path", parts };
}

/** Clean components of a name that must stay inside the root (entry names, hard link targets). */
export function splitSafe(name: string): string[] {
  if (name.startsWith("/")) throw new UnsafePathError(name, "absolute paths are not allowed in a layer");
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new UnsafePathError(name, '".." components are not allowed in a layer');
  // Checked here rather than met as a bare ENAMETOOLONG when the file is renamed into place.
  const long = parts.find((part) => Buffer.byteLength(part) > maxNameBytes);
  if (long !== undefined) throw new UnsafePathError(name, `a name component is ${Buffer.byteLength(long)} bytes long; file names hold at most ${maxNameBytes}`);
  return parts;
}
