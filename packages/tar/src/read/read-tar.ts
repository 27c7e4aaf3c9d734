import { throwIfAborted } from "@exp/errors";
import { isHeaderOnly, typeOfFlag } from "../header/entry-type.js";
import { BLOCK, decodeHeaderBlock, isZeroBlock, type BlockFields } from "../header/header-block.js";
import { decodePaxRecords } from "../header/pax-records.js";
import type { TarHeader } from "../header/tar-header.js";
import { maxTarHeaderBytes, TarError, TarFormatError, TarHeaderTooLargeError, TarTruncatedError, TarUnsupportedError } from "../errors.js";
import { ByteReader } from "./byte-reader.js";
import { applyPax } from "./apply-pax.js";

/** One entry of a tar being read. */
export interface TarEntry {
  readonly header: TarHeader;
  /** Byte offset of the entry's data in the tar (where a reader that seeks would find it). */
  readonly offset: number;
  /**
   * The entry's data, `header.size` bytes. Read it before asking for the next entry; what is left
   * unread is skipped then, and the body can no longer be read.
   */
  readonly body: AsyncIterable<Buffer>;
}

export interface ReadTarOptions {
  signal?: AbortSignal;
  /** Names the tar in error messages ("layer 2 (sha256:…)"). Default "tar". */
  name?: string;
}

/**
 * The entries of an uncompressed tar, streamed from `source`, as Go's archive/tar (BuildKit's and
 * containerd's reader) reads them: V7, USTAR, PAX and GNU headers; PAX records and GNU long names
 * applied to the entry that follows; a PAX or long-name header over 1 MiB refused
 * (ERR_TAR_HEADER_TOO_LARGE); global PAX headers skipped, as containerd's applier skips them;
 * sparse files refused (ERR_TAR_UNSUPPORTED) rather than read wrong. The tar ends at two zero
 * blocks, or, as Go accepts, at the end of the source on a header boundary; anywhere else is
 * ERR_TAR_TRUNCATED. A malformed header is ERR_TAR_INVALID. At the end of the archive the rest of
 * the source is read and discarded, as containerd's applier does (diff/apply), so a source that
 * verifies a digest when it reaches its end (a layer checked against its diff_id) gets to check
 * it, and its failure is this iteration's. When the iteration stops early, or fails, the
 * source's iterator is ended (a Readable is destroyed).
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, options: ReadTarOptions = {}): AsyncGenerator<TarEntry, void, undefined> {
  const where = options.name ?? "tar";
  const { signal } = options;
  const reader = new ByteReader(source);
  const aborted = (): void => throwIfAborted(signal, `reading ${where}`);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, Buffer> | undefined;
  try {
    for (;;) {
      throwIfAborted(signal, `reading ${where}`);
      const at = reader.position;
      const block = await reader.read(BLOCK);
      if (block.length === 0) return await reader.drain(aborted);
      if (block.length < BLOCK) throw new TarTruncatedError(where, reader.position, "a header block");
      if (isZeroBlock(block)) {
        const second = await reader.read(BLOCK);
        if (second.length === 0 || (second.length === BLOCK && isZeroBlock(second))) return await reader.drain(aborted);
        if (second.length < BLOCK) throw new TarTruncatedError(where, reader.position, "the end-of-archive marker");
        throw new TarFormatError(where, at, "a zero block followed by a header (a tar cut and joined?)");
      }
      const fields = decodeHeaderBlock(block);
      if (typeof fields === "string") throw new TarFormatError(where, at, fields);
      if (isSpecial(fields.typeflag)) {
        const data = await readSpecial(reader, fields, where, pax?.get("path")?.toString("utf8") ?? longName);
        if (fields.typeflag === "x") {
          const records = decodePaxRecords(data);
          if (typeof records === "string") throw new TarFormatError(where, at, records);
          pax = records;
        } else if (fields.typeflag === "L") {
          longName = cString(data);
        } else if (fields.typeflag === "K") {
          longLink = cString(data);
        }
        continue;
      }
      const header = entryHeader(fields, pax, longName, longLink, where, at);
      pax = longName = longLink = undefined;
      const dataSize = header.size;
      const body = new EntryBody(reader, dataSize, where, header.name, signal);
      yield { header, offset: reader.position, body };
      body.close();
      const skipped = await reader.skip(body.remaining + padding(dataSize));
      if (skipped < body.remaining + padding(dataSize)) throw new TarTruncatedError(where, reader.position, `the data of ${JSON.stringify(header.name)}`);
    }
  } finally {
    await reader.close();
  }
}

/** Typeflags of headers that describe the next entry rather than being one: PAX (local, global) and GNU long names. */
function isSpecial(typeflag: string): boolean {
  return typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K";
}

async function readSpecial(reader: ByteReader, fields: BlockFields, where: string, entry: string | undefined): Promise<Buffer> {
  if (fields.size > maxTarHeaderBytes) throw new TarHeaderTooLargeError(where, fields.size, entry);
  const data = await reader.read(fields.size);
  const pad = padding(fields.size);
  if (data.length < fields.size || (await reader.skip(pad)) < pad) throw new TarTruncatedError(where, reader.position, "a PAX or long-name header");
  return data;
}

function entryHeader(fields: BlockFields, pax: Map<string, Buffer> | undefined, longName: string | undefined, longLink: string | undefined, where: string, at: number): TarHeader {
  const name = longName ?? fields.name;
  if (fields.typeflag === "S" || [...(pax?.keys() ?? [])].some((key) => key.startsWith("GNU.sparse."))) {
    throw new TarUnsupportedError(where, pax?.get("path")?.toString("utf8") ?? name, "a sparse file");
  }
  // V7's regular file ("\0") named with a trailing slash is a directory (Go's reader, TypeRegA).
  const flag = fields.typeflag === "\0" ? (name.endsWith("/") ? "5" : "0") : fields.typeflag;
  const type = typeOfFlag(flag) ?? "unknown";
  const header: TarHeader = {
    name,
    type,
    typeflag: flag,
    mode: fields.mode,
    uid: fields.uid,
    gid: fields.gid,
    size: fields.size,
    mtimeMs: fields.mtime * 1000,
    linkname: longLink ?? fields.linkname,
    uname: fields.uname,
    gname: fields.gname,
    devmajor: fields.devmajor,
    devminor: fields.devminor,
    pax: {},
    xattrs: {},
  };
  if (pax) {
    const problem = applyPax(header, pax);
    if (problem) throw new TarFormatError(where, at, problem);
  }
  if (type !== "unknown" && isHeaderOnly(type)) header.size = 0;
  return header;
}

function cString(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString("utf8", 0, end < 0 ? data.length : end);
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Reading a body after the next entry was asked for. */
class StaleBodyError extends TarError {
  constructor(where: string, entry: string) {
    super("ERR_TAR_BODY_STALE", `${where}: the data of ${JSON.stringify(entry)} was read after the next entry was asked for; read each entry's body before moving on`);
  }
}

/** The data of one entry, read straight from the tar's reader. */
class EntryBody implements AsyncIterable<Buffer> {
  remaining: number;
  private closed = false;

  constructor(
    private readonly reader: ByteReader,
    size: number,
    private readonly where: string,
    private readonly entry: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.remaining = size;
  }

  close(): void {
    this.closed = true;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    while (this.remaining > 0) {
      if (this.closed) throw new StaleBodyError(this.where, this.entry);
      throwIfAborted(this.signal, `reading ${this.where}`);
      const chunk = await this.reader.readSome(this.remaining);
      if (chunk.length === 0) throw new TarTruncatedError(this.where, this.reader.position, `the data of ${JSON.stringify(this.entry)}`);
      this.remaining -= chunk.length;
      yield chunk;
    }
  }
}
