/** A loadable segment of a synthetic ELF file: where it is mapped, its flags, its bytes. */
export interface SyntheticSegment {
  vaddr: number;
  /** PF_X 1, PF_W 2, PF_R 4 */
  flags: number;
  data: Buffer;
}

/**
 * A minimal ELF executable laid out as a linker lays one out: ELF header, program headers, an
 * optional PT_NOTE with Go's build ID note (owner "Go", type 4), then each PT_LOAD segment at a
 * page-aligned file offset congruent to its address. Enough for the build-info reader, which is
 * what the tests need for formats no binary on this machine has (Go before 1.18, 32-bit, big-endian).
 */
export function buildElf(options: { is64: boolean; littleEndian: boolean; goNote: boolean; segments: SyntheticSegment[] }): Buffer {
  const { is64, littleEndian: le, goNote } = options;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = options.segments.length + (goNote ? 1 : 0);
  const noteOffset = ehsize + phentsize * phnum;
  const note = goNote ? makeNote("Go", 4, Buffer.from("abcdefghijklmnopqrstuvwxyz/buildid"), le) : Buffer.alloc(0);
  let cursor = align(noteOffset + note.byteLength, 0x1000);
  const placed = options.segments.map((segment) => {
    const offset = cursor + (segment.vaddr % 0x1000);
    cursor = align(offset + segment.data.byteLength, 0x1000);
    return { ...segment, offset };
  });
  const file = Buffer.alloc(cursor);
  const w = (at: number, size: number, value: number) => {
    if (size === 1) file.writeUInt8(value, at);
    else if (size === 2) (le ? file.writeUInt16LE : file.writeUInt16BE).call(file, value, at);
    else if (size === 4) (le ? file.writeUInt32LE : file.writeUInt32BE).call(file, value, at);
    else (le ? file.writeBigUInt64LE : file.writeBigUInt64BE).call(file, BigInt(value), at);
  };
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1]).copy(file, 0);
  w(16, 2, 2); // ET_EXEC
  w(18, 2, is64 ? 62 : 3);
  w(20, 4, 1);
  if (is64) {
    w(0x20, 8, ehsize);
    w(0x34, 2, ehsize);
    w(0x36, 2, phentsize);
    w(0x38, 2, phnum);
  } else {
    w(0x1c, 4, ehsize);
    w(0x28, 2, ehsize);
    w(0x2a, 2, phentsize);
    w(0x2c, 2, phnum);
  }
  const headers: { type: number; flags: number; offset: number; vaddr: number; size: number }[] = [];
  if (goNote) headers.push({ type: 4, flags: 4, offset: noteOffset, vaddr: 0x400000 + noteOffset, size: note.byteLength });
  for (const segment of placed) headers.push({ type: 1, flags: segment.flags, offset: segment.offset, vaddr: segment.vaddr, size: segment.data.byteLength });
  headers.forEach((header, index) => {
    const at = ehsize + index * phentsize;
    if (is64) {
      w(at, 4, header.type);
      w(at + 4, 4, header.flags);
      w(at + 8, 8, header.offset);
      w(at + 16, 8, header.vaddr);
      w(at + 24, 8, header.vaddr);
      w(at + 32, 8, header.size);
      w(at + 40, 8, header.size);
      w(at + 48, 8, 0x1000);
    } else {
      w(at, 4, header.type);
      w(at + 4, 4, header.offset);
      w(at + 8, 4, header.vaddr);
      w(at + 12, 4, header.vaddr);
      w(at + 16, 4, header.size);
      w(at + 20, 4, header.size);
      w(at + 24, 4, header.flags);
      w(at + 28, 4, 0x1000);
    }
  });
  note.copy(file, noteOffset);
  for (const segment of placed) segment.data.copy(file, segment.offset);
  return file;
}

function makeNote(owner: string, type: number, desc: Buffer, le: boolean): Buffer {
  const name = Buffer.from(`${owner}\0`);
  const out = Buffer.alloc(12 + align(name.byteLength, 4) + align(desc.byteLength, 4));
  const w32 = (value: number, at: number) => (le ? out.writeUInt32LE(value, at) : out.writeUInt32BE(value, at));
  w32(name.byteLength, 0);
  w32(desc.byteLength, 4);
  w32(type, 8);
  name.copy(out, 12);
  desc.copy(out, 12 + align(name.byteLength, 4));
  return out;
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** Go's modinfo as the linker embeds it: the text between 16-byte sentinels (runtime/debug's modinfoStart/End). */
export function wrapModinfo(text: string): Buffer {
  return Buffer.concat([Buffer.from("3077af0c9274080241e1c107e6d618e6", "hex"), Buffer.from(text), Buffer.from("f932433186182072008242104116d8f2", "hex")]);
}
