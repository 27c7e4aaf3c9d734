// A deliberately small tar writer for the corpus. tar-stream is not a dependency of the
// repository root, and a hand-rolled writer can say things a well-behaved one never would:
// absolute names, "..", device nodes, hard links to anywhere, PAX headers of any size.

export type TarEntryType = "file" | "dir" | "symlink" | "link" | "char" | "block" | "fifo";

export interface TarEntry {
  name: string;
  type?: TarEntryType;
  content?: Buffer | string;
  /** Symlink target or hard link target, written as is. */
  linkname?: string;
  mode?: number;
  /** PAX records written in an `x` header before the entry (e.g. a huge `path` or `comment`). */
  pax?: Record<string, string>;
  devmajor?: number;
  devminor?: number;
}

const TYPE_FLAGS: Record<TarEntryType, string> = { file: "0", link: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" };

/** The bytes of a tar holding `entries`, in order, ending with the two zero blocks. */
export function tar(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.type === undefined || entry.type === "file" ? toBuffer(entry.content ?? "") : Buffer.alloc(0);
    const pax = { ...(entry.pax ?? {}) };
    // Names past the 100 bytes of the ustar field go into PAX, as every modern tar writes them.
    if (Buffer.byteLength(entry.name) > 100 && pax.path === undefined) pax.path = entry.name;
    if (entry.linkname !== undefined && Buffer.byteLength(entry.linkname) > 100 && pax.linkpath === undefined) pax.linkpath = entry.linkname;
    if (Object.keys(pax).length > 0) {
      const body = paxBody(pax);
      blocks.push(header({ name: "PaxHeaders/x", typeflag: "x", size: body.length, mode: 0o644 }), padded(body));
    }
    blocks.push(
      header({
        name: entry.name.slice(0, 100),
        typeflag: TYPE_FLAGS[entry.type ?? "file"],
        size: content.length,
        mode: entry.mode ?? (entry.type === "dir" ? 0o755 : 0o644),
        linkname: (entry.linkname ?? "").slice(0, 100),
        devmajor: entry.devmajor ?? 0,
        devminor: entry.devminor ?? 0,
      }),
      padded(content),
    );
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

interface HeaderFields {
  name: string;
  typeflag: string;
  size: number;
  mode: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

function header(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100, "utf8");
  octal(block, 100, 8, fields.mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, fields.size);
  octal(block, 136, 12, 1_700_000_000);
  block.write(fields.typeflag, 156, 1, "latin1");
  block.write(fields.linkname ?? "", 157, 100, "utf8");
  block.write("ustar\u000000", 257, 8, "latin1");
  octal(block, 329, 8, fields.devmajor ?? 0);
  octal(block, 337, 8, fields.devminor ?? 0);
  // The checksum is computed with its own field read as eight spaces.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "latin1");
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, "0")}\u0000`, offset, length, "latin1");
}

/** PAX records: "<length> <key>=<value>\n", the length counting its own digits. */
function paxBody(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    const restLength = Buffer.byteLength(rest);
    let length = restLength + String(restLength).length;
    if (String(length).length !== String(restLength).length) length = restLength + String(length).length;
    parts.push(Buffer.from(`${length}${rest}`));
  }
  return Buffer.concat(parts);
}

function padded(data: Buffer): Buffer {
  const remainder = data.length % 512;
  return remainder === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - remainder)]);
}

function toBuffer(content: Buffer | string): Buffer {
  return typeof content === "string" ? Buffer.from(content) : content;
}
