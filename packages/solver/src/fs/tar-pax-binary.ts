import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// tar-stream reads and writes PAX records as UTF-8 text, which corrupts binary values: the
// security.capability xattr (raw bytes, e.g. 0x01 0x00 0x00 0x02 ...) that BuildKit carries as a
// `SCHILY.xattr.security.capability` record would lose every byte above 0x7f. Go's archive/tar,
// which wrote and reads BuildKit's layers, treats a record's value as bytes. tar-stream has no
// hook for this, so its two PAX functions are replaced, once, with ones that keep the values of
// SCHILY.xattr.* records as binary strings (one char per byte, "latin1") and every other record as
// UTF-8, exactly as before. tar-stream's exports map hides headers.js, hence the path below;
// the replacement is checked by xattrs.test.ts, so a tar-stream upgrade that moves it fails there.

/** Prefix of the PAX records that hold extended attributes (GNU tar, Go's archive/tar, containerd). */
export const XATTR_PAX_PREFIX = "SCHILY.xattr.";

interface TarStreamHeaders {
  encodePax(opts: { name?: string; linkname?: string; pax?: Record<string, string> | null }): Uint8Array;
  decodePax(buf: Uint8Array): Record<string, string>;
}

const load = createRequire(import.meta.url);
const headers = load(join(dirname(load.resolve("tar-stream")), "headers.js")) as TarStreamHeaders & { binaryXattrs?: true };

function record(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, "utf8"), value, Buffer.from("\n")]);
  // The length prefix counts itself: "30 key=value\n" is 30 bytes including "30".
  let digits = String(body.length).length;
  if (body.length + digits >= 10 ** digits) digits++;
  return Buffer.concat([Buffer.from(String(body.length + digits)), body]);
}

const valueBytes = (key: string, value: string): Buffer => Buffer.from(value, key.startsWith(XATTR_PAX_PREFIX) ? "latin1" : "utf8");

if (!headers.binaryXattrs) {
  headers.binaryXattrs = true;
  headers.encodePax = (opts) => {
    const records: Buffer[] = [];
    if (opts.name) records.push(record("path", Buffer.from(opts.name, "utf8")));
    if (opts.linkname) records.push(record("linkpath", Buffer.from(opts.linkname, "utf8")));
    for (const [key, value] of Object.entries(opts.pax ?? {})) records.push(record(key, valueBytes(key, value)));
    return Buffer.concat(records);
  };
  headers.decodePax = (input) => {
    const result: Record<string, string> = {};
    let buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    while (buf.length > 0) {
      const space = buf.indexOf(0x20);
      const length = Number.parseInt(buf.subarray(0, space < 0 ? buf.length : space).toString("utf8"), 10);
      if (!length || space < 0) return result;
      const body = buf.subarray(space + 1, length - 1);
      const equals = body.indexOf(0x3d);
      if (equals < 0) return result;
      const key = body.subarray(0, equals).toString("utf8");
      result[key] = body.subarray(equals + 1).toString(key.startsWith(XATTR_PAX_PREFIX) ? "latin1" : "utf8");
      buf = buf.subarray(length);
    }
    return result;
  };
}

/** Extended attributes (base64 values) from a header's PAX records. */
export function xattrsFromPax(pax: Readonly<Record<string, string>> | null | undefined): Record<string, string> | undefined {
  let found: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(pax ?? {})) {
    if (!key.startsWith(XATTR_PAX_PREFIX)) continue;
    (found ??= {})[key.slice(XATTR_PAX_PREFIX.length)] = Buffer.from(value, "latin1").toString("base64");
  }
  return found;
}

/** PAX records for extended attributes (base64 values), as binary strings tar-stream now writes byte for byte. */
export function xattrsToPax(xattrs: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const pax: Record<string, string> = {};
  for (const name of Object.keys(xattrs ?? {}).sort()) pax[XATTR_PAX_PREFIX + name] = Buffer.from(xattrs![name]!, "base64").toString("latin1");
  return pax;
}
