import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { writeTar, type TarWriteEntry } from "@exp/tar";
import type { ContentStore } from "@exp/content";
import type { Descriptor } from "@exp/oci-spec";
import { blobPath } from "./layout-files.js";

export interface ArchiveFile {
  name: string;
  content: string;
  mode: number;
}

/**
 * Streams an OCI (or docker) archive: entries sorted by name and de-duplicated, no mtimes,
 * directories 0755, blobs and oci-layout 0444 (as containerd's archive exporter writes them).
 * Each blob streams from the content store, which verifies its digest as it reads; nothing is
 * copied to a temp file first.
 */
export async function writeArchive(store: ContentStore, blobs: readonly Descriptor[], files: readonly ArchiveFile[], output: Writable, signal: AbortSignal): Promise<void> {
  type Entry = { name: string; entry: () => Promise<TarWriteEntry> };
  const entries: Entry[] = [];
  const dirs = new Set<string>(["blobs/"]);
  for (const blob of blobs) dirs.add(`${blobPath(blob).split("/").slice(0, 2).join("/")}/`);
  for (const dir of dirs) entries.push({ name: dir, entry: async () => ({ header: { name: dir, type: "directory", mode: 0o755 } }) });
  for (const blob of blobs) {
    const name = blobPath(blob);
    // Opened when the writer reaches it: one blob open at a time.
    entries.push({ name, entry: async () => ({ header: { name, type: "file", mode: 0o444, size: blob.size }, body: await store.read(blob.digest, { signal }) }) });
  }
  for (const file of files) {
    const content = Buffer.from(file.content);
    entries.push({ name: file.name, entry: async () => ({ header: { name: file.name, type: "file", mode: file.mode, size: content.length }, body: content }) });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  async function* tarEntries(): AsyncGenerator<TarWriteEntry> {
    for (const e of entries) yield await e.entry();
  }
  await pipeline(Readable.from(writeTar(tarEntries(), { signal })), output, { signal });
}
