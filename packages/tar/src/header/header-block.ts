import { octalField, readNumber, writeBase256 } from "./numeric-field.js";

/** Size of a tar block: headers are one block, data is padded to whole blocks. */
export const BLOCK = 512;

/** The fields of one 512-byte header block, as written or read (no PAX records applied). */
export interface BlockFields {
  name: string;
  /** The typeflag byte as a character ("0", "5", "x", ...). */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

// Field offsets and lengths (POSIX ustar).
const NAME = [0, 100] as const;
const MODE = [100, 8] as const;
const UID = [108, 8] as const;
const GID = [116, 8] as const;
const SIZE = [124, 12] as const;
const MTIME = [136, 12] as const;
const CHECKSUM = [148, 8] as const;
const TYPEFLAG = 156;
const LINKNAME = [157, 100] as const;
const MAGIC = [257, 6] as const;
const VERSION = [263, 2] as const;
const UNAME = [265, 32] as const;
const GNAME = [297, 32] as const;
const DEVMAJOR = [329, 8] as const;
const DEVMINOR = [337, 8] as const;
const PREFIX = [345, 155] as const;

const USTAR_MAGIC = Buffer.from("ustar\0", "latin1");
const USTAR_VERSION = Buffer.from("00", "latin1");

/**
 * One USTAR header block, laid out byte for byte as tar-stream wrote exp's layers before exp had
 * its own writer (6 octal digits and a space for mode, ids and device numbers, 11 for size and
 * mtime, base-256 when those overflow, a name longer than 100 bytes split at a "/" into prefix and
 * name), so a rebuilt layer keeps its digest. Undefined when the names cannot be stored in USTAR
 * (non-ASCII name, a name with no split that fits, a link name over 100 bytes): the caller then
 * writes a PAX header. Ids and device numbers that overflow their field are written as 777777;
 * the caller carries the real value in a PAX record.
 */
export function encodeHeaderBlock(fields: BlockFields): Buffer | undefined {
  const names = splitName(fields.name);
  if (!names || Buffer.byteLength(fields.linkname) > LINKNAME[1]) return undefined;
  const block = Buffer.alloc(BLOCK);
  block.write(names.name, NAME[0], "utf8");
  writeOctal(block, MODE[0], fields.mode & 0o7777);
  writeOctal(block, UID[0], fields.uid);
  writeOctal(block, GID[0], fields.gid);
  writeLong(block, SIZE[0], fields.size);
  writeLong(block, MTIME[0], fields.mtime);
  block.write(fields.typeflag, TYPEFLAG, "latin1");
  if (fields.linkname) block.write(fields.linkname, LINKNAME[0], "utf8");
  USTAR_MAGIC.copy(block, MAGIC[0]);
  USTAR_VERSION.copy(block, VERSION[0]);
  if (fields.uname) block.write(fields.uname, UNAME[0], UNAME[1], "utf8");
  if (fields.gname) block.write(fields.gname, GNAME[0], GNAME[1], "utf8");
  writeOctal(block, DEVMAJOR[0], fields.devmajor);
  writeOctal(block, DEVMINOR[0], fields.devminor);
  if (names.prefix) block.write(names.prefix, PREFIX[0], "utf8");
  block.write(octalField(checksum(block).unsigned, 6) as string, CHECKSUM[0], "latin1");
  return block;
}

/** name → USTAR's prefix and name fields: the shortest prefix, cut at a "/", that leaves a name of at most 100 bytes. */
function splitName(full: string): { name: string; prefix: string } | undefined {
  // Only ASCII names are written as USTAR: readers differ on how to decode other bytes there.
  if (Buffer.byteLength(full) !== full.length) return undefined;
  let name = full;
  let prefix = "";
  while (name.length > NAME[1]) {
    const slash = name.indexOf("/");
    if (slash < 0) return undefined;
    prefix += prefix ? `/${name.slice(0, slash)}` : name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  return prefix.length > PREFIX[1] ? undefined : { name, prefix };
}

function writeOctal(block: Buffer, offset: number, value: number): void {
  block.write(octalField(value, 6) ?? "777777 ", offset, "latin1");
}

function writeLong(block: Buffer, offset: number, value: number): void {
  const text = octalField(value, 11);
  if (text) block.write(text, offset, "latin1");
  else writeBase256(block, offset, 12, value);
}

/** Sums of a block with its checksum field read as spaces: unsigned (POSIX) and signed (old Sun tars), as Go accepts both. */
function checksum(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= CHECKSUM[0] && i < CHECKSUM[0] + CHECKSUM[1] ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return { unsigned, signed };
}

/** True for a block of 512 zero bytes: the end-of-archive marker. */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * The fields of a header block, or the reason it is not one. Any format Go's archive/tar reads
 * is accepted (V7, USTAR, PAX, GNU); USTAR's prefix field is joined to the name only when the
 * magic says USTAR, as GNU headers keep other data there.
 */
export function decodeHeaderBlock(block: Buffer): BlockFields | string {
  const stored = readNumber(field(block, CHECKSUM));
  const sums = checksum(block);
  if (stored === undefined || (stored !== sums.unsigned && stored !== sums.signed)) {
    return "bad header checksum (is it compressed, or not a tar?)";
  }
  const numbers = { mode: MODE, uid: UID, gid: GID, size: SIZE, mtime: MTIME, devmajor: DEVMAJOR, devminor: DEVMINOR };
  const values: Record<string, number> = {};
  for (const [key, range] of Object.entries(numbers)) {
    const value = readNumber(field(block, range));
    if (value === undefined) return `bad ${key} field ${JSON.stringify(field(block, range).toString("latin1"))}`;
    values[key] = value;
  }
  if ((values.size as number) < 0) return `negative size ${values.size}`;
  let name = text(block, NAME);
  if (field(block, MAGIC).equals(USTAR_MAGIC) && block[PREFIX[0]] !== 0) name = `${text(block, PREFIX)}/${name}`;
  return {
    name,
    typeflag: String.fromCharCode(block[TYPEFLAG] as number),
    mode: values.mode as number,
    uid: values.uid as number,
    gid: values.gid as number,
    size: values.size as number,
    mtime: values.mtime as number,
    linkname: text(block, LINKNAME),
    uname: text(block, UNAME),
    gname: text(block, GNAME),
    devmajor: values.devmajor as number,
    devminor: values.devminor as number,
  };
}

function field(block: Buffer, [offset, length]: readonly [number, number]): Buffer {
  return block.subarray(offset, offset + length);
}

/** A NUL-terminated string field. */
function text(block: Buffer, range: readonly [number, number]): string {
  const bytes = field(block, range);
  const end = bytes.indexOf(0);
  return bytes.toString("utf8", 0, end < 0 ? bytes.length : end);
}
