import type { TarEntryType } from "./entry-type.js";

/** One entry's header as read: PAX records and GNU long names already applied to its fields. */
export interface TarHeader {
  name: string;
  /** The entry's kind; "unknown" for a typeflag outside the eight kinds (see `typeflag`). */
  type: TarEntryType | "unknown";
  /** The typeflag byte as a character ("0", "5", ...). */
  typeflag: string;
  /** The mode field as stored: permission bits, maybe with file-type bits from old writers. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data; 0 for header-only kinds whatever their field says. */
  size: number;
  /** Modification time in milliseconds (PAX times keep their fraction, to the millisecond). */
  mtimeMs: number;
  /** Target of a link or symlink; "" for other kinds. */
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** The entry's PAX records other than SCHILY.xattr.*, values as UTF-8 text. */
  pax: Readonly<Record<string, string>>;
  /** Extended attributes (SCHILY.xattr.* records), values as the bytes stored. */
  xattrs: Readonly<Record<string, Buffer>>;
}

/** What the writer takes for one entry. */
export interface TarWriteHeader {
  name: string;
  type: TarEntryType;
  /** Permission bits (and setuid/setgid/sticky); file-type bits are ignored. */
  mode: number;
  uid?: number;
  gid?: number;
  /** Bytes of data that follow; forced to 0 for header-only kinds. */
  size?: number;
  /** Default 0 (the epoch). Whole seconds are stored in the header; beyond its range in a PAX record. */
  mtimeMs?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  /** PAX records to write (text values), in this order, after path and linkpath. */
  pax?: Readonly<Record<string, string>>;
  /** Extended attributes, written as SCHILY.xattr.* records in this order, after `pax`. */
  xattrs?: Readonly<Record<string, Uint8Array>>;
}
