import { pipeline, Readable } from "node:stream";
import { throwIfAborted } from "@exp/errors";
import type { ContentStore } from "@exp/content";
import { isTarHeader } from "@exp/tar";
import type { FsEntry, FsSource } from "../fs-source.js";
import { tarChainFsSource } from "../tar-chain-fs-source.js";
import { archiveDecompressor, detectArchiveCompression, type ArchiveCompression } from "./archive-compression.js";

export interface OpenArchiveOptions {
  store: ContentStore;
  /** Holds the decompressed tar for the rest of the build. */
  lease: string;
  signal?: AbortSignal;
}

/**
 * ADD's archive rule (BuildKit solver/llbsolver/file/unpack.go, isArchivePath): a source that is
 * a regular file whose content, once decompressed (none, gzip, bzip2, xz or zstd, told by its
 * first bytes), starts with a tar header is an archive, whatever its name. An archive is
 * decompressed once into the content store, under the build's lease, and its entries are
 * returned as a filesystem to copy from; anything else gives undefined and is copied as a file.
 */
export async function openArchive(source: FsSource, entry: FsEntry, options: OpenArchiveOptions): Promise<FsSource | undefined> {
  if (entry.type !== "file" && entry.type !== "hardlink") return undefined;
  const compression = await archiveCompression(source, entry, options.signal);
  if (compression === undefined) return undefined;
  const { store, signal } = options;
  const decompressed = decompress(await source.open(entry.path, signal ? { signal } : {}), compression);
  const tar = await store.ingest(decompressed, { lease: options.lease, ...(signal ? { signal } : {}) });
  return tarChainFsSource(
    [
      {
        open: async () => (await store.read(tar.digest, signal ? { signal } : {})) as Readable,
        openRange: async (start, size) => (size === 0 ? Readable.from([]) : ((await store.read(tar.digest, { start, end: start + size - 1, ...(signal ? { signal } : {}) })) as Readable)),
      },
    ],
    { archive: entry.path },
  );
}

/** The file's compression when it is an archive; undefined when it is not one. */
async function archiveCompression(source: FsSource, entry: FsEntry, signal: AbortSignal | undefined): Promise<ArchiveCompression | undefined> {
  throwIfAborted(signal, `reading ${entry.path}`);
  const compression = detectArchiveCompression(await firstBytes(await source.open(entry.path, signal ? { signal } : {}), 8));
  const stream = decompress(await source.open(entry.path, signal ? { signal } : {}), compression);
  // A file that does not decompress is not an archive (go-archive's DecompressStream fails, isArchivePath says no).
  const head = await firstBytes(stream, 512).catch(() => Buffer.alloc(0));
  return isTarHeader(head) ? compression : undefined;
}

/** The file's bytes decompressed; a failure on either side fails (and destroys) both. */
function decompress(file: Readable, compression: ArchiveCompression): Readable {
  return pipeline(file, archiveDecompressor(compression), () => undefined) as unknown as Readable;
}

/** Up to `count` bytes from the start of a stream, which is destroyed after. */
async function firstBytes(stream: NodeJS.ReadableStream & { destroy(): void }, count: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      length += chunk.length;
      if (length >= count) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, count);
}

