import { XATTR_PAX_PREFIX } from "../header/pax-records.js";
import type { TarHeader } from "../header/tar-header.js";

/**
 * Applies an entry's PAX records to its header as Go's archive/tar does (mergePAX): path,
 * linkpath, uname, gname, uid, gid, size and mtime replace the block's fields; SCHILY.xattr.*
 * records become `xattrs` (bytes kept); every other record is kept in `pax` as text. Returns why
 * a record is unusable, or undefined.
 */
export function applyPax(header: TarHeader, records: ReadonlyMap<string, Buffer>): string | undefined {
  const pax: Record<string, string> = {};
  const xattrs: Record<string, Buffer> = {};
  for (const [key, bytes] of records) {
    if (key.startsWith(XATTR_PAX_PREFIX)) {
      xattrs[key.slice(XATTR_PAX_PREFIX.length)] = bytes;
      continue;
    }
    const value = bytes.toString("utf8");
    pax[key] = value;
    switch (key) {
      case "path":
        header.name = value;
        break;
      case "linkpath":
        header.linkname = value;
        break;
      case "uname":
        header.uname = value;
        break;
      case "gname":
        header.gname = value;
        break;
      case "uid":
      case "gid":
      case "size": {
        if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) return `a PAX ${key} record of ${JSON.stringify(value)}`;
        header[key] = Number(value);
        break;
      }
      case "mtime": {
        if (!/^-?[0-9]+(\.[0-9]*)?$/.test(value)) return `a PAX mtime record of ${JSON.stringify(value)}`;
        header.mtimeMs = Math.floor(Number(value) * 1000);
        break;
      }
    }
  }
  header.pax = pax;
  header.xattrs = xattrs;
  return undefined;
}
