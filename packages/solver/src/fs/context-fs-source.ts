import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { open as openFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { throwIfAborted } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { defaultContentHashCache, hashBuffer, hashStream, type ContentHashCache } from "./content-hash-cache.js";
import { FileChangedError, FsPathNotFoundError } from "./errors.js";
import { WHOLE_READ_LIMIT, type FsEntry, type FsReadOptions, type FsSource } from "./fs-source.js";
import type { ContextEntry } from "./walk-context.js";

export interface ContextFsSourceOptions {
  /** Where content digests are remembered; the process-wide cache by default. */
  hashCache?: ContentHashCache;
}

/**
 * A build context as an FsSource: the listing is the walk's, content is read from disk.
 * Files that share an inode (dev, ino) become one "file" (the first in the walk's order) and
 * "hardlink" entries naming it, as BuildKit's copier links them.
 * Every read first checks, on the open descriptor, that the file is still the one the walk saw
 * (same inode, size and mtime); anything else is ERR_FILE_CHANGED rather than a silent mix of
 * old listing and new bytes. The last component is opened with O_NOFOLLOW so a file swapped for a
 * symlink after the walk cannot make us read outside the context.
 */
export function contextFsSource(contextDir: string, entries: readonly ContextEntry[], options: ContextFsSourceOptions = {}): FsSource {
  const hashCache = options.hashCache ?? defaultContentHashCache;
  const byPath = new Map<string, ContextEntry>();
  const firstOfInode = new Map<string, string>();
  const listing: FsEntry[] = [];
  for (const entry of entries) {
    byPath.set(entry.path, entry);
    if (entry.type === "file" && entry.nlink > 1) {
      const inode = `${entry.dev}:${entry.ino}`;
      const first = firstOfInode.get(inode);
      if (first === undefined) firstOfInode.set(inode, entry.path);
      else {
        listing.push(Object.freeze({ ...fsEntryOf(entry), type: "hardlink", linkTarget: first }));
        continue;
      }
    }
    // The walk's own entry, frozen and handed out as it is (an FsEntry with the walk's extra
    // fields): list() is called for every COPY from the context, and a copy of each entry per
    // call, or even one copy kept, was tens of megabytes on a node_modules tree.
    listing.push(Object.freeze(entry));
  }

  let smallReads = 0;
  /** A small file read whole, synchronously (see readListedFile), with a turn of the event loop now and then. */
  async function readSmall(path: string, signal?: AbortSignal): Promise<{ bytes: Buffer; listed: ContextEntry }> {
    if (++smallReads % SMALL_READS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    throwIfAborted(signal, `reading ${path}`);
    const entry = byPath.get(path);
    if (!entry || entry.type !== "file") throw new FsPathNotFoundError(path, "not a file of the build context");
    return { bytes: readListedFile(join(contextDir, path), path, entry), listed: entry };
  }

  async function openChecked(path: string, signal?: AbortSignal): Promise<{ handle: FileHandle; entry: ContextEntry }> {
    throwIfAborted(signal, `reading ${path}`);
    const entry = byPath.get(path);
    if (!entry || entry.type !== "file") throw new FsPathNotFoundError(path, "not a file of the build context");
    let handle: FileHandle;
    try {
      handle = await openFile(join(contextDir, path), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      throw new FileChangedError(path, `cannot be opened any more (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      checkSame(path, entry, await handle.stat());
    } catch (error) {
      await handle.close();
      throw error;
    }
    return { handle, entry };
  }

  return {
    async list() {
      return listing.slice();
    },

    async open(path: string, readOptions: FsReadOptions = {}): Promise<Readable> {
      const { handle } = await openChecked(path, readOptions.signal);
      return handle.createReadStream(readOptions.signal ? { signal: readOptions.signal } : {});
    },

    async readFile(path: string, readOptions: FsReadOptions = {}): Promise<Buffer> {
      return (await readSmall(path, readOptions.signal)).bytes;
    },

    async contentDigest(fsEntry: FsEntry, readOptions: FsReadOptions = {}): Promise<Digest> {
      const entry = byPath.get(fsEntry.path);
      const cached = entry && hashCache.get(entry);
      if (cached) {
        // A digest recorded without the xattrs (by an older exp): the walk read them, keep them now.
        if (hashCache.knownXattrs(entry!) === undefined) hashCache.set(entry!, cached, entry!.xattrs ?? null);
        return cached;
      }
      if (entry && entry.type === "file" && entry.size <= WHOLE_READ_LIMIT) {
        // Checked again after the read (readSmall), so the digest is of the file the key names.
        const { bytes, listed } = await readSmall(fsEntry.path, readOptions.signal);
        const digest = hashBuffer(bytes).digest;
        hashCache.set(listed, digest, listed.xattrs ?? null);
        return digest;
      }
      const { handle, entry: checked } = await openChecked(fsEntry.path, readOptions.signal);
      try {
        const { digest, size } = await hashStream(handle.createReadStream({ autoClose: false }), readOptions.signal);
        if (size !== checked.size) throw new FileChangedError(fsEntry.path, `listed with ${checked.size} bytes, read ${size}`);
        // A write during the read leaves the size alone but moves mtime: such a digest must not be cached.
        checkSame(fsEntry.path, checked, await handle.stat());
        hashCache.set(checked, digest, checked.xattrs ?? null);
        return digest;
      } finally {
        // Already closed when the read was cut short (see hashStream).
        await handle.close().catch(() => {});
      }
    },
  };
}

/** Small files read between two turns of the event loop (each a few microseconds from the page cache). */
const SMALL_READS_PER_TURN = 64;

/**
 * Exactly the bytes the walk listed, read with synchronous calls: open, fstat, read, fstat, close
 * cost a few microseconds each from the page cache where each promise through libuv's pool costs
 * tens, and a node_modules tree is thousands of small files. The file must still be the one the
 * walk saw before and after the read (same inode, size and mtime), and one byte more than listed
 * is asked for so a file that grew is caught as one that shrank is by a short read.
 */
function readListedFile(absolute: string, path: string, entry: ContextEntry): Buffer {
  let fd: number;
  try {
    fd = openSync(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw new FileChangedError(path, `cannot be opened any more (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    checkSame(path, entry, fstatSync(fd));
    const buffer = Buffer.allocUnsafe(entry.size + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > entry.size) throw new FileChangedError(path, `grew beyond the ${entry.size} bytes it was listed with`);
    if (filled < entry.size) throw new FileChangedError(path, `listed with ${entry.size} bytes, read ${filled}`);
    // A write during the read leaves the size alone but moves mtime.
    checkSame(path, entry, fstatSync(fd));
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

function checkSame(path: string, entry: ContextEntry, now: Stats): void {
  if (now.ino !== entry.ino || now.dev !== entry.dev) throw new FileChangedError(path, "replaced by another file");
  if (now.size !== entry.size) throw new FileChangedError(path, `listed with ${entry.size} bytes, now ${now.size}`);
  if (now.mtimeMs !== entry.mtimeMs) throw new FileChangedError(path, "modified after the context was listed");
}

/** The FsEntry fields of a walked entry (for a hard link, which the listing names differently). */
function fsEntryOf(entry: ContextEntry): FsEntry {
  return {
    path: entry.path,
    type: entry.type,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    ...(entry.linkTarget !== undefined ? { linkTarget: entry.linkTarget } : {}),
    ...(entry.xattrs ? { xattrs: entry.xattrs } : {}),
  };
}
