import type { Header } from "tar-stream";
import type { LayerEntry } from "./layer-entry.js";
import { tarPath } from "./layer-entry.js";
import { xattrsToPax } from "./tar-pax-binary.js";

/** How entry mtimes reach the tar: as they are, clamped to an epoch (BuildKit's rewrite-timestamp), or all set to it. */
export type MtimePolicy = { mode: "keep" } | { mode: "clamp"; epochSeconds: number } | { mode: "set"; epochSeconds: number };

/** The header tar-stream's pack takes, with the PAX records it writes verbatim. */
export type PaxHeaders = Partial<Omit<Header, "pax">> & { name: string; pax?: Record<string, string> };

// Largest values the USTAR octal fields hold; beyond them the value goes into a PAX record.
const MAX_ID = 0o7777777;
const MAX_SIZE = 0o77777777777;
// tar-stream encodes mtime through `seconds | 0`, so it is only right below 2^31.
const MAX_USTAR_MTIME = 2 ** 31 - 1;

// File-type bits or-ed into the mode: tar-stream replaces a falsy mode (0o000) with 0644/0755, and
// masks the mode with 0o7777 when encoding, so these bits only keep 0 from being "missing".
const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000, hardlink: 0o100000, fifo: 0o010000 } as const;
const TAR_TYPES = { file: "file", dir: "directory", symlink: "symlink", hardlink: "link", fifo: "fifo" } as const;

/**
 * The header of one entry, written like containerd's (BuildKit's) layer tars: no leading "/",
 * directories end with "/", numeric uid/gid only (empty uname/gname), no atime/ctime, size 0 for
 * everything but files, links by name, xattrs as `SCHILY.xattr.*` records. PAX records carry sizes of 8 GiB and more, ids beyond
 * 2097151 and far-future mtimes; tar-stream itself switches to PAX for long or non-ASCII names.
 */
export function tarHeader(entry: LayerEntry, mtime: MtimePolicy): PaxHeaders {
  const pax: Record<string, string> = {};
  const size = entry.type === "file" ? entry.size : 0;
  const seconds = mtimeSeconds(entry.mtimeMs, mtime);
  const header: PaxHeaders = {
    name: entry.type === "dir" ? `${entry.path}/` : entry.path,
    type: TAR_TYPES[entry.type],
    mode: (entry.mode & 0o7777) | TYPE_BITS[entry.type],
    uid: Math.min(entry.uid, MAX_ID),
    gid: Math.min(entry.gid, MAX_ID),
    size,
    mtime: new Date(Math.min(Math.max(seconds, 0), MAX_USTAR_MTIME) * 1000),
  };
  if (entry.type === "symlink") header.linkname = entry.linkTarget ?? "";
  if (entry.type === "hardlink") header.linkname = tarPath(entry.linkTarget ?? "");
  if (entry.uid > MAX_ID) pax.uid = String(entry.uid);
  if (entry.gid > MAX_ID) pax.gid = String(entry.gid);
  if (size > MAX_SIZE) pax.size = String(size);
  // USTAR's octal field holds neither; Go's archive/tar (BuildKit's writer) uses PAX for both.
  if (seconds > MAX_USTAR_MTIME || seconds < 0) pax.mtime = String(seconds);
  Object.assign(pax, xattrsToPax(entry.xattrs));
  if (Object.keys(pax).length > 0) header.pax = pax;
  return header;
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
