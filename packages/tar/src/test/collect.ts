import { Readable } from "node:stream";
import { readTar, type ReadTarOptions } from "../read/read-tar.js";
import type { TarHeader } from "../header/tar-header.js";

/** Every chunk of an async iterable, joined. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** A tar's bytes as a stream of `chunkBytes` pieces (odd sizes find boundary bugs). */
export function chunked(bytes: Buffer, chunkBytes = 97): AsyncIterable<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) pieces.push(bytes.subarray(at, at + chunkBytes));
  return Readable.from(pieces, { objectMode: true });
}

export interface ReadEntry {
  header: TarHeader;
  data: Buffer;
}

/** Every entry of a tar with its data. */
export async function readAll(bytes: Buffer, options: ReadTarOptions & { chunkBytes?: number } = {}): Promise<ReadEntry[]> {
  const entries: ReadEntry[] = [];
  for await (const entry of readTar(chunked(bytes, options.chunkBytes), options)) entries.push({ header: entry.header, data: await collect(entry.body) });
  return entries;
}
