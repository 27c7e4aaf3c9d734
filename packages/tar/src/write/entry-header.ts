import { isHeaderOnly, typeflagOf } from "../header/entry-type.js";
import { BLOCK, encodeHeaderBlock, type BlockFields } from "../header/header-block.js";
import { encodePaxRecords, XATTR_PAX_PREFIX } from "../header/pax-records.js";
import type { TarWriteHeader } from "../header/tar-header.js";

// Largest values the USTAR fields hold as tar-stream writes them (6 and 11 octal digits).
const MAX_ID = 0o777777;
const MAX_LONG = 0o77777777777;
const MAX_NAME_FIELD = 32;

/**
 * The bytes that start one entry: a USTAR header block, or, when a name does not fit USTAR, a
 * number overflows its field, or the caller gave PAX records or xattrs, a PAX header (its block,
 * its records, their padding) and then the entry's block. The layout is tar-stream's, which wrote
 * exp's layers before (the PAX header and the entry's own block are both named "PaxHeader", the
 * real name being in the `path` record), so layers keep their digests.
 */
export function encodeEntryHeader(header: TarWriteHeader): Buffer[] {
  const size = isHeaderOnly(header.type) ? 0 : (header.size ?? 0);
  const seconds = Math.floor((header.mtimeMs ?? 0) / 1000);
  const fields: BlockFields = {
    name: header.name,
    typeflag: typeflagOf(header.type),
    mode: header.mode,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    size,
    // A time USTAR cannot hold is clamped into its range here and stored whole in a PAX record.
    mtime: Math.min(Math.max(seconds, 0), MAX_LONG),
    linkname: header.linkname ?? "",
    uname: fits(header.uname) ? (header.uname ?? "") : "",
    gname: fits(header.gname) ? (header.gname ?? "") : "",
    devmajor: header.devmajor ?? 0,
    devminor: header.devminor ?? 0,
  };
  const records: Array<[string, Buffer]> = Object.entries(header.pax ?? {}).map(([key, value]) => [key, Buffer.from(value, "utf8")]);
  for (const [key, value] of overflowRecords(header, size, seconds)) {
    if (!(key in (header.pax ?? {}))) records.push([key, Buffer.from(value, "utf8")]);
  }
  for (const [name, value] of Object.entries(header.xattrs ?? {})) records.push([XATTR_PAX_PREFIX + name, Buffer.from(value.buffer, value.byteOffset, value.byteLength)]);
  if (records.length === 0) {
    const block = encodeHeaderBlock(fields);
    if (block) return [block];
  }
  if (fields.linkname) records.unshift(["linkpath", Buffer.from(fields.linkname, "utf8")]);
  if (fields.name) records.unshift(["path", Buffer.from(fields.name, "utf8")]);
  const data = encodePaxRecords(records);
  const paxFields: BlockFields = { ...fields, name: "PaxHeader", typeflag: "x", size: data.length, linkname: fields.linkname ? "PaxHeader" : "" };
  return [
    encodeHeaderBlock(paxFields) as Buffer,
    data,
    padding(data.length),
    encodeHeaderBlock({ ...paxFields, typeflag: fields.typeflag, size }) as Buffer,
  ].filter((part) => part.length > 0);
}

/** PAX records for the numbers and names the USTAR block cannot hold, in the order Go's archive/tar checks them. */
function overflowRecords(header: TarWriteHeader, size: number, seconds: number): Array<[string, string]> {
  const records: Array<[string, string]> = [];
  if ((header.uid ?? 0) > MAX_ID) records.push(["uid", String(header.uid)]);
  if ((header.gid ?? 0) > MAX_ID) records.push(["gid", String(header.gid)]);
  if (size > MAX_LONG) records.push(["size", String(size)]);
  if (seconds < 0 || seconds > MAX_LONG) records.push(["mtime", String(seconds)]);
  if (!fits(header.uname)) records.push(["uname", header.uname as string]);
  if (!fits(header.gname)) records.push(["gname", header.gname as string]);
  return records;
}

function fits(name: string | undefined): boolean {
  return name === undefined || Buffer.byteLength(name) <= MAX_NAME_FIELD;
}

const ZEROS = Buffer.alloc(BLOCK);

/** The zero bytes that fill data of `length` bytes up to a whole block. */
export function padding(length: number): Buffer {
  const rest = length % BLOCK;
  return rest === 0 ? ZEROS.subarray(0, 0) : ZEROS.subarray(0, BLOCK - rest);
}
