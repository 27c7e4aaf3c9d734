import { readUint } from "./elf.js";

/** "\xff Go buildinf:": the start of the build information the Go linker writes (debug/buildinfo). */
export const BUILDINFO_MAGIC = Buffer.from("\xff Go buildinf:", "latin1");
const HEADER_SIZE = 32;
const ALIGN = 16;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_INLINE = 0x2;
// Longer than any real version or module list; a bigger length is a corrupt or hostile file.
const MAX_STRING = 8 * 1024 * 1024;

/** The two strings Go embeds: the toolchain version ("go1.21.5") and the module information text. */
export interface RawBuildInfo {
  goVersion: string;
  modinfo: string;
  /** "inline" for Go 1.18 and later, "pointer" before (strings elsewhere, reached by address). */
  format: "inline" | "pointer";
}

/** Bytes of the file's memory image at a virtual address, or undefined when the file does not hold them. */
export type ReadMemory = (vaddr: number, size: number) => Promise<Buffer | undefined>;

/**
 * Finds the build information header in a region of the image (a section or segment read from the
 * file, starting at virtual address `vaddr`): the magic, at an address that is a multiple of 16,
 * with a whole header after it, as debug/buildinfo searches. Returns its offset in `data`.
 */
export function findBuildInfoHeader(data: Buffer, vaddr: number): number | undefined {
  let from = 0;
  for (;;) {
    const at = data.indexOf(BUILDINFO_MAGIC, from);
    if (at === -1 || data.byteLength - at < HEADER_SIZE) return undefined;
    if ((vaddr + at) % ALIGN === 0) return at;
    from = at + 1;
  }
}

/**
 * Decodes the header found at `data[at]` as debug/buildinfo does. Go 1.18 and later set the
 * inline flag: two uvarint-length-prefixed strings follow the 32-byte header. Before, the header
 * holds the pointer size (byte 14), the byte order (byte 15) and at byte 16 two pointers to Go
 * string headers ({data pointer, length}) for runtime.buildVersion and runtime.modinfo, which
 * `readMemory` follows. The modinfo's 16-byte sentinels at each end are removed.
 */
export async function decodeBuildInfo(data: Buffer, at: number, readMemory: ReadMemory): Promise<RawBuildInfo | undefined> {
  const header = data.subarray(at, at + HEADER_SIZE);
  const flags = header[15] as number;
  if (flags & FLAG_INLINE) {
    const version = readVarintString(data, at + HEADER_SIZE);
    if (!version) return undefined;
    const modinfo = readVarintString(data, version.next);
    if (!modinfo) return undefined;
    return { goVersion: version.value.toString("utf8"), modinfo: stripSentinels(modinfo.value).toString("utf8"), format: "inline" };
  }
  const ptrSize = header[14] as number;
  if (ptrSize !== 4 && ptrSize !== 8) return undefined;
  const littleEndian = (flags & FLAG_BIG_ENDIAN) === 0;
  const readGoString = async (pointer: number): Promise<Buffer | undefined> => {
    const stringHeader = await readMemory(pointer, ptrSize * 2);
    if (!stringHeader || stringHeader.byteLength < ptrSize * 2) return undefined;
    const dataPointer = readUint(stringHeader, 0, ptrSize, littleEndian);
    const length = readUint(stringHeader, ptrSize, ptrSize, littleEndian);
    if (length === 0) return Buffer.alloc(0);
    if (length > MAX_STRING) return undefined;
    const bytes = await readMemory(dataPointer, length);
    return bytes && bytes.byteLength === length ? bytes : undefined;
  };
  const version = await readGoString(readUint(header, 16, ptrSize, littleEndian));
  const modinfo = await readGoString(readUint(header, 16 + ptrSize, ptrSize, littleEndian));
  if (!version || !modinfo) return undefined;
  return { goVersion: version.toString("utf8"), modinfo: stripSentinels(modinfo).toString("utf8"), format: "pointer" };
}

function readVarintString(data: Buffer, at: number): { value: Buffer; next: number } | undefined {
  let length = 0;
  let shift = 0;
  let position = at;
  for (;;) {
    if (position >= data.byteLength || shift > 35) return undefined;
    const byte = data[position++] as number;
    length += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  if (length > MAX_STRING || position + length > data.byteLength) return undefined;
  return { value: data.subarray(position, position + length), next: position + length };
}

/** runtime/debug's modinfo is wrapped in 16 bytes of sentinel at each end when it is not empty. */
function stripSentinels(modinfo: Buffer): Buffer {
  if (modinfo.byteLength >= 33 && modinfo[modinfo.byteLength - 17] === 0x0a) return modinfo.subarray(16, modinfo.byteLength - 16);
  return modinfo;
}
