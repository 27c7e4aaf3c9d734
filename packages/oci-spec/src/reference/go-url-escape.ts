/**
 * Go's net/url escaping, which BuildKit's purls go through (packageurl-go uses QueryEscape for the
 * namespace and name, PathEscape for the version and qualifier values): the purl strings must be
 * byte for byte BuildKit's, since policies compare them (`pkg:docker/alpine@3.20?platform=linux%2Famd64`).
 */
const hex = "0123456789ABCDEF";

function escape(text: string, keep: (byte: number) => boolean, spaceAsPlus: boolean): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    if (keep(byte)) out += String.fromCharCode(byte);
    else if (spaceAsPlus && byte === 0x20) out += "+";
    else out += `%${hex[byte >> 4]}${hex[byte & 15]}`;
  }
  return out;
}

const unreserved = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;

/** url.QueryEscape: everything but unreserved characters, a space as `+`. */
export function goQueryEscape(text: string): string {
  return escape(text, unreserved, true);
}

// url.PathEscape (encodePathSegment): also keeps $ & + : = @, and escapes / ; , ?.
const pathKeep = new Set([0x24, 0x26, 0x2b, 0x3a, 0x3d, 0x40]);

/** url.PathEscape: a path segment, so `/` is escaped (`linux/amd64` -> `linux%2Famd64`). */
export function goPathEscape(text: string): string {
  return escape(text, (b) => unreserved(b) || pathKeep.has(b), false);
}
