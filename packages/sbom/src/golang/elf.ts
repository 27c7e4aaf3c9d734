/** What the Go build-info search needs of an ELF file: its byte order, word size and loadable segments. */
export interface ElfLayout {
  is64: boolean;
  littleEndian: boolean;
  segments: ElfSegment[];
  /** Notes of PT_NOTE segments found in the bytes given (owner name and type). */
  notes: { owner: string; type: number }[];
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
/** The note type Go's linker writes its build ID under, owner "Go" (cmd/link ELF_NOTE_GOBUILDID_TAG). */
export const NT_GO_BUILD_ID = 4;

/** True when the bytes start like an ELF file. */
export function isElf(head: Buffer): boolean {
  return head.byteLength >= 16 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/** Where the program header table is, so a caller with only the first bytes of a file can tell whether it has it all. */
export function programHeaderEnd(head: Buffer): number | undefined {
  if (!isElf(head) || head.byteLength < 52) return undefined;
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  if (is64 && head.byteLength < 64) return undefined;
  const phoff = is64 ? readUint(head, 0x20, 8, le) : readUint(head, 0x1c, 4, le);
  const phentsize = readUint(head, is64 ? 0x36 : 0x2a, 2, le);
  const phnum = readUint(head, is64 ? 0x38 : 0x2c, 2, le);
  return phoff + phentsize * phnum;
}

/**
 * Parses the ELF header and program headers out of a file's first bytes (which must hold the
 * program header table; see programHeaderEnd), and the notes of PT_NOTE segments that lie within
 * them. Returns undefined for anything that is not a well-formed ELF file.
 */
export function parseElfLayout(head: Buffer): ElfLayout | undefined {
  const end = programHeaderEnd(head);
  if (end === undefined || end > head.byteLength) return undefined;
  const is64 = head[4] === 2;
  if (!is64 && head[4] !== 1) return undefined;
  const le = head[5] === 1;
  if (!le && head[5] !== 2) return undefined;
  const phoff = is64 ? readUint(head, 0x20, 8, le) : readUint(head, 0x1c, 4, le);
  const phentsize = readUint(head, is64 ? 0x36 : 0x2a, 2, le);
  const phnum = readUint(head, is64 ? 0x38 : 0x2c, 2, le);
  if (phentsize < (is64 ? 56 : 32)) return undefined;
  const segments: ElfSegment[] = [];
  for (let index = 0; index < phnum; index++) {
    const at = phoff + index * phentsize;
    segments.push(
      is64
        ? { type: readUint(head, at, 4, le), flags: readUint(head, at + 4, 4, le), offset: readUint(head, at + 8, 8, le), vaddr: readUint(head, at + 16, 8, le), filesz: readUint(head, at + 32, 8, le) }
        : { type: readUint(head, at, 4, le), offset: readUint(head, at + 4, 4, le), vaddr: readUint(head, at + 8, 4, le), filesz: readUint(head, at + 16, 4, le), flags: readUint(head, at + 24, 4, le) },
    );
  }
  const notes: ElfLayout["notes"] = [];
  for (const segment of segments) {
    if (segment.type !== PT_NOTE || segment.offset + segment.filesz > head.byteLength) continue;
    let at = segment.offset;
    const stop = segment.offset + segment.filesz;
    while (at + 12 <= stop) {
      const namesz = readUint(head, at, 4, le);
      const descsz = readUint(head, at + 4, 4, le);
      const type = readUint(head, at + 8, 4, le);
      const owner = head.toString("latin1", at + 12, Math.min(stop, at + 12 + namesz)).replace(/\0+$/, "");
      notes.push({ owner, type });
      at += 12 + align4(namesz) + align4(descsz);
    }
  }
  return { is64, littleEndian: le, segments, notes };
}

/** Where a virtual address is in the file, by the loadable segment that maps it; undefined when none does (or it is in .bss). */
export function fileOffsetOf(layout: ElfLayout, vaddr: number, size: number): number | undefined {
  for (const segment of layout.segments) {
    if (segment.type !== PT_LOAD) continue;
    if (vaddr >= segment.vaddr && vaddr + size <= segment.vaddr + segment.filesz) return segment.offset + (vaddr - segment.vaddr);
  }
  return undefined;
}

/** An unsigned integer of 1, 2, 4 or 8 bytes (8-byte values above 2^53 lose precision, which no real file offset reaches). */
export function readUint(bytes: Buffer, at: number, size: number, littleEndian: boolean): number {
  if (at + size > bytes.byteLength) return 0;
  switch (size) {
    case 1:
      return bytes[at] as number;
    case 2:
      return littleEndian ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at);
    case 4:
      return littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
    default:
      return Number(littleEndian ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at));
  }
}

function align4(value: number): number {
  return (value + 3) & ~3;
}
