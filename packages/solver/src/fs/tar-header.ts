import type { TarWriteHeader } from "@exp/tar";
import type { LayerEntry } from "./layer-entry.js";
import { tarPath } from "./layer-entry.js";

/** How entry mtimes reach the tar: as they are, clamped to an epoch (BuildKit's rewrite-timestamp), or all set to it. */
export type MtimePolicy = { mode: "keep" } | { mode: "clamp"; epochSeconds: number } | { mode: "set"; epochSeconds: number };

const TAR_TYPES = { file: "file", dir: "directory", symlink: "symlink", hardlink: "link", fifo: "fifo" } as const;

/**
 * The header of one entry, written like containerd's (BuildKit's) layer tars: no leading "/",
 * directories end with "/", numeric uid/gid only (empty uname/gname), no atime/ctime, size 0 for
 * everything but files, links by name, xattrs as `SCHILY.xattr.*` records (bytes, names sorted).
 * What USTAR cannot hold (long or non-ASCII names, large ids and sizes, times before 1970) the tar
 * writer puts in PAX records.
 */
export function tarHeader(entry: LayerEntry, mtime: MtimePolicy): TarWriteHeader {
  const header: TarWriteHeader = {
    name: entry.type === "dir" ? `${entry.path}/` : entry.path,
    type: TAR_TYPES[entry.type],
    mode: entry.mode & 0o7777,
    uid: entry.uid,
    gid: entry.gid,
    size: entry.type === "file" ? entry.size : 0,
    mtimeMs: mtimeSeconds(entry.mtimeMs, mtime) * 1000,
  };
  if (entry.type === "symlink") header.linkname = entry.linkTarget ?? "";
  if (entry.type === "hardlink") header.linkname = tarPath(entry.linkTarget ?? "");
  if (entry.xattrs) header.xattrs = xattrBytes(entry.xattrs);
  return header;
}

/** An entry's xattrs (base64 values, as FsEntry holds them) as bytes, sorted by name. */
function xattrBytes(xattrs: Readonly<Record<string, string>>): Record<string, Buffer> {
  return Object.fromEntries(Object.keys(xattrs).sort().map((name) => [name, Buffer.from(xattrs[name]!, "base64")]));
}

/** Extended attributes as FsEntry holds them (base64 values) from a tar header's; undefined when none. */
export function xattrsFromTar(xattrs: Readonly<Record<string, Buffer>>): Record<string, string> | undefined {
  const names = Object.keys(xattrs);
  return names.length === 0 ? undefined : Object.fromEntries(names.map((name) => [name, xattrs[name]!.toString("base64")]));
}

export function mtimeSeconds(mtimeMs: number, policy: MtimePolicy): number {
  // Times before 1970 stay what they are (negative), as BuildKit keeps them.
  const seconds = Math.floor(mtimeMs / 1000);
  switch (policy.mode) {
    case "keep":
      return seconds;
    case "clamp":
      return Math.min(seconds, policy.epochSeconds);
    case "set":
      return policy.epochSeconds;
  }
}
