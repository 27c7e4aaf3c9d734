// PAX extended header records: "<length> <key>=<value>\n", the length counting the whole record,
// its own digits included. Values are bytes: an xattr record (SCHILY.xattr.security.capability)
// holds binary data, which Go's archive/tar (BuildKit's reader and writer) keeps byte for byte.

/** Prefix of the PAX records that hold extended attributes (GNU tar, Go's archive/tar, containerd). */
export const XATTR_PAX_PREFIX = "SCHILY.xattr.";

/** The records of one PAX header, in order. */
export type PaxRecords = ReadonlyArray<readonly [key: string, value: Buffer]>;

/** One header's worth of records as bytes. */
export function encodePaxRecords(records: PaxRecords): Buffer {
  return Buffer.concat(records.map(([key, value]) => encodeRecord(key, value)));
}

function encodeRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, "utf8"), value, NEWLINE]);
  let digits = String(body.length).length;
  if (body.length + digits >= 10 ** digits) digits++;
  return Buffer.concat([Buffer.from(String(body.length + digits), "latin1"), body]);
}

const NEWLINE = Buffer.from("\n");

/**
 * Parses a PAX header's data as Go's archive/tar does (parsePAXRecord): every record must be well
 * formed, or the header is refused. Returns the records in order; the reason when malformed.
 */
export function decodePaxRecords(data: Buffer): Map<string, Buffer> | string {
  const records = new Map<string, Buffer>();
  let rest = data;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    if (space <= 0 || space > 20) return `a PAX record without a length (${JSON.stringify(rest.subarray(0, 20).toString("latin1"))})`;
    const lengthText = rest.toString("latin1", 0, space);
    const length = /^[0-9]+$/.test(lengthText) ? Number(lengthText) : Number.NaN;
    if (!(length > space + 1) || length > rest.length) return `a PAX record of length ${JSON.stringify(lengthText)} in ${rest.length} bytes`;
    if (rest[length - 1] !== 0x0a) return "a PAX record that does not end with a newline";
    const body = rest.subarray(space + 1, length - 1);
    const equals = body.indexOf(0x3d);
    if (equals <= 0) return `a PAX record without a key (${JSON.stringify(body.subarray(0, 40).toString("utf8"))})`;
    const key = body.toString("utf8", 0, equals);
    const value = body.subarray(equals + 1);
    if (key.includes("\0")) return "a PAX record whose key holds a NUL byte";
    if (NO_NUL_KEYS.has(key) && value.includes(0)) return `a PAX ${key} record holding a NUL byte`;
    records.set(key, value);
    rest = rest.subarray(length);
  }
  return records;
}

// Go's validPAXRecord: these values become names, where a NUL would cut them short.
const NO_NUL_KEYS = new Set(["path", "linkpath", "uname", "gname"]);
