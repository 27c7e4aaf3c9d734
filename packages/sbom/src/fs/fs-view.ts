import type { Readable } from "node:stream";
import { ExpError, throwIfAborted } from "@exp/errors";
import type { FsEntry, FsSource } from "@exp/solver";
import type { BulkReader } from "./tar-layers-reader.js";

/** Why a file was not read. Never leaves the package: the catalogers turn it into a warning and go on. */
export class UnreadableFileError extends ExpError {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super("ERR_SBOM_UNREADABLE_FILE", `${path}: ${reason}`, { cause, fault: "server" });
    this.path = path;
    this.reason = reason;
  }
}

/** A byte range of a file, [offset, offset + size). */
export interface ByteRange {
  offset: number;
  size: number;
}

// FsSource.readFile is for small files (the solver's WHOLE_READ_LIMIT, not exported): larger ones,
// such as a big image's dpkg status, are streamed.
const READ_FILE_LIMIT = 256 * 1024;

// What a scan keeps of files read ahead at most; requests past it are read when asked for.
const PREFETCH_LIMIT = 256 * 1024 * 1024;

/** Ranges of a file to read ahead. */
export interface PlannedRead {
  entry: FsEntry;
  ranges: ByteRange[];
}

/** All of a file, to read ahead, unless it is over `limit` (its read will fail anyway). */
export function wholeFile(entry: FsEntry | undefined, limit: number): PlannedRead[] {
  return entry && entry.size <= limit ? [{ entry, ranges: [{ offset: 0, size: entry.size }] }] : [];
}

// Symlink chains longer than this are loops (Linux's MAXSYMLINKS is 40).
const MAX_LINKS = 40;

/**
 * The scanned filesystem, listed once: entries by path, symlinks resolved inside the root (an
 * image's /etc/os-release is a link to ../usr/lib/os-release, and usrmerge makes /bin a link), and
 * reads bounded by a size limit so a huge file in a metadata path cannot exhaust memory.
 */
export class FsView {
  readonly entries: readonly FsEntry[];
  private readonly byPath: Map<string, FsEntry>;

  /** Pieces read ahead by path: what read and readRanges answer from before asking the source. */
  private readonly prefetched = new Map<string, { offset: number; bytes: Buffer }[]>();
  private prefetchedBytes = 0;

  constructor(
    private readonly fs: FsSource,
    entries: readonly FsEntry[],
    private readonly signal: AbortSignal | undefined,
    private readonly bulk?: BulkReader,
  ) {
    this.entries = entries;
    this.byPath = new Map(entries.map((entry) => [entry.path, entry]));
  }

  /**
   * Reads ahead, in one pass, what the catalogers will ask for, when the source can be read in
   * bulk (a layer chain: see tarLayersReader); otherwise does nothing and every read goes to the
   * source as it comes. Up to 256 MiB is kept.
   */
  async prefetch(reads: readonly PlannedRead[]): Promise<void> {
    if (!this.bulk) return;
    const chosen: PlannedRead[] = [];
    for (const read of reads) {
      const size = read.ranges.reduce((sum, range) => sum + range.size, 0);
      if (this.prefetchedBytes + size > PREFETCH_LIMIT) continue;
      this.prefetchedBytes += size;
      chosen.push(read);
    }
    if (chosen.length === 0) return;
    let answer: Map<string, Buffer[]>;
    try {
      answer = await this.bulk.read(
        chosen.map((read) => ({ path: read.entry.path, ranges: read.ranges })),
        this.signal,
      );
    } catch {
      // The reads are made again one by one, and fail or warn then.
      throwIfAborted(this.signal, "scanning for an SBOM");
      return;
    }
    for (const read of chosen) {
      const buffers = answer.get(read.entry.path);
      if (!buffers) continue;
      const pieces = this.prefetched.get(read.entry.path) ?? [];
      read.ranges.forEach((range, index) => pieces.push({ offset: range.offset, bytes: buffers[index] as Buffer }));
      this.prefetched.set(read.entry.path, pieces);
    }
  }

  /** A range of a file read ahead, if one piece holds all of it. */
  private cached(path: string, range: ByteRange): Buffer | undefined {
    for (const piece of this.prefetched.get(path) ?? []) {
      if (range.offset >= piece.offset && range.offset + range.size <= piece.offset + piece.bytes.byteLength) return piece.bytes.subarray(range.offset - piece.offset, range.offset - piece.offset + range.size);
    }
    return undefined;
  }

  get(path: string): FsEntry | undefined {
    return this.byPath.get(path);
  }

  /**
   * The path a name ends at once every symlink on the way is followed, as the kernel would with
   * this root as "/" (absolute targets start again at the root, ".." stops at it); undefined when
   * the last component is missing or the links loop.
   */
  resolve(path: string): string | undefined {
    const pending = splitPath(path);
    const done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === ".") continue;
      if (part === "..") {
        done.pop();
        continue;
      }
      const candidate = done.length === 0 ? part : `${done.join("/")}/${part}`;
      const entry = this.byPath.get(candidate);
      // A directory may be missing from a listing (a layer tar need not carry entries for the
      // directories its files are in): only the last component has to exist.
      if (!entry && pending.length === 0) return undefined;
      if (!entry || entry.type !== "symlink") {
        done.push(part);
        continue;
      }
      if (++links > MAX_LINKS) return undefined;
      const target = entry.linkTarget ?? "";
      if (target.startsWith("/")) done.length = 0;
      pending.unshift(...splitPath(target));
    }
    return done.join("/");
  }

  /** The entry a path leads to after symlinks, when it is a regular file (or a hard link to one). */
  fileAt(path: string): FsEntry | undefined {
    const resolved = this.resolve(path);
    const entry = resolved === undefined ? undefined : this.byPath.get(resolved);
    return entry && (entry.type === "file" || entry.type === "hardlink") ? entry : undefined;
  }

  /**
   * The regular file a package database lists at `path`: its directories resolved (usrmerge's
   * /bin is a link to usr/bin), its last component not. A listed name that is itself a symlink is
   * the link the package ships, not the file it points to (apk records the link target's SHA-1
   * for it, dpkg no MD5), so it is not that file.
   */
  ownedFileAt(path: string): FsEntry | undefined {
    const parts = path.split("/").filter((part) => part !== "" && part !== ".");
    const name = parts.pop();
    if (name === undefined || name === "..") return undefined;
    const dir = parts.length === 0 ? "" : this.resolve(parts.join("/"));
    if (dir === undefined) return undefined;
    const entry = this.byPath.get(dir === "" ? name : `${dir}/${name}`);
    return entry && (entry.type === "file" || entry.type === "hardlink") ? entry : undefined;
  }

  /** A whole small file. Throws UnreadableFileError when it is missing, not a file, larger than `limit` or fails to read. */
  async read(path: string, limit: number): Promise<Buffer> {
    throwIfAborted(this.signal, "scanning for an SBOM");
    const entry = this.fileAt(path);
    if (!entry) throw new UnreadableFileError(path, "not a regular file");
    if (entry.size > limit) throw new UnreadableFileError(path, `${entry.size} bytes, more than the ${limit} read for a metadata file`);
    const ahead = this.cached(entry.path, { offset: 0, size: entry.size });
    if (ahead) return ahead;
    try {
      const options = this.signal ? { signal: this.signal } : {};
      if (this.fs.readFile && entry.size <= READ_FILE_LIMIT) return await this.fs.readFile(entry.path, options);
      return await collect(await this.fs.open(entry.path, options), [{ offset: 0, size: entry.size }]).then(([bytes]) => bytes as Buffer);
    } catch (error) {
      throwIfAborted(this.signal, "scanning for an SBOM");
      throw new UnreadableFileError(path, (error as Error).message ?? String(error), error);
    }
  }

  /** A small file as UTF-8 text (see read). */
  async readText(path: string, limit: number): Promise<string> {
    return (await this.read(path, limit)).toString("utf8");
  }

  /**
   * Some byte ranges of a file, in one pass over its content: FsSource has no random access, so
   * the file is streamed up to the end of the last range and nothing past it is read. Ranges past
   * the end of the file come back short.
   */
  async readRanges(entry: FsEntry, ranges: readonly ByteRange[]): Promise<Buffer[]> {
    throwIfAborted(this.signal, "scanning for an SBOM");
    // Ranges read ahead, clipped to the file as a read of it would be.
    const ahead = ranges.map((range) => this.cached(entry.path, { offset: range.offset, size: Math.max(0, Math.min(range.size, entry.size - range.offset)) }));
    if (ahead.every((piece) => piece !== undefined)) return ahead as Buffer[];
    try {
      return await collect(await this.fs.open(entry.path, this.signal ? { signal: this.signal } : {}), ranges);
    } catch (error) {
      throwIfAborted(this.signal, "scanning for an SBOM");
      throw new UnreadableFileError(entry.path, (error as Error).message ?? String(error), error);
    }
  }
}

function splitPath(path: string): string[] {
  return path.split("/").filter((part) => part !== "");
}

/** Copies the requested ranges out of a stream, then stops reading it. */
async function collect(stream: Readable, ranges: readonly ByteRange[]): Promise<Buffer[]> {
  const out = ranges.map((range) => Buffer.alloc(Math.max(0, range.size)));
  const end = Math.max(0, ...ranges.map((range) => range.offset + range.size));
  let position = 0;
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      const chunkEnd = position + bytes.byteLength;
      ranges.forEach((range, index) => {
        const from = Math.max(range.offset, position);
        const to = Math.min(range.offset + range.size, chunkEnd);
        if (from >= to) return;
        bytes.copy(out[index] as Buffer, from - range.offset, from - position, to - position);
      });
      position = chunkEnd;
      if (position >= end) break;
    }
  } finally {
    stream.destroy();
  }
  return out.map((buffer, index) => buffer.subarray(0, Math.min(buffer.byteLength, Math.max(0, position - (ranges[index] as ByteRange).offset))));
}
