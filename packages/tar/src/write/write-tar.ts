import { throwIfAborted } from "@exp/errors";
import { isHeaderOnly } from "../header/entry-type.js";
import { BLOCK } from "../header/header-block.js";
import type { TarWriteHeader } from "../header/tar-header.js";
import { TarEntrySizeError } from "../errors.js";
import { ChunkBatcher } from "./chunk-batcher.js";
import { encodeEntryHeader, padding } from "./entry-header.js";

/** One entry to write: its header and, for a file, its data (exactly `header.size` bytes). */
export interface TarWriteEntry {
  header: TarWriteHeader;
  body?: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

export interface WriteTarOptions {
  signal?: AbortSignal;
  /**
   * Small pieces (headers, small files, padding) are joined into chunks of about this many bytes
   * before they are yielded, so a tree of thousands of small files is not thousands of tiny
   * writes downstream. Default 64 KiB.
   */
  chunkBytes?: number;
}

/**
 * The bytes of a tar holding `entries`, in order, ending with the two zero blocks. Entries are
 * pulled one at a time, so a caller that opens each file as its entry is asked for holds one open
 * file at a time. A body that is not exactly its header's size fails with ERR_TAR_ENTRY_SIZE
 * before a byte past the size is yielded: what was yielded is never a valid tar then, and the
 * caller must discard it. Stopping the iteration (or a failure) ends the entries' iterators too.
 */
export async function* writeTar(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>, options: WriteTarOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const { signal } = options;
  const batch = new ChunkBatcher(options.chunkBytes ?? 64 * 1024);
  for await (const entry of entries) {
    throwIfAborted(signal, "writing a tar");
    const size = isHeaderOnly(entry.header.type) ? 0 : (entry.header.size ?? 0);
    for (const part of encodeEntryHeader(entry.header)) yield* batch.add(part);
    let written = 0;
    if (entry.body !== undefined) {
      for await (const chunk of bodyChunks(entry.body)) {
        throwIfAborted(signal, "writing a tar");
        written += chunk.byteLength;
        if (written > size) throw new TarEntrySizeError(entry.header.name, size, `${written} bytes or more`);
        yield* batch.add(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
    }
    if (written !== size) throw new TarEntrySizeError(entry.header.name, size, `${written} bytes`);
    yield* batch.add(padding(size));
  }
  yield* batch.add(Buffer.alloc(2 * BLOCK));
  yield* batch.flush();
}

function bodyChunks(body: NonNullable<TarWriteEntry["body"]>): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  return body instanceof Uint8Array ? [body] : body;
}
