import { pipeline } from "node:stream/promises";
import type { Writable } from "node:stream";
import { pack } from "tar-stream";
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
  const tar = pack();
  const done = pipeline(tar, output, { signal });
  type Entry = { name: string; write: () => Promise<void> };
  const entries: Entry[] = [];
  const dirs = new Set<string>(["blobs/"]);
  for (const blob of blobs) dirs.add(`${blobPath(blob).split("/").slice(0, 2).join("/")}/`);
  for (const dir of dirs) entries.push({ name: dir, write: () => entry(tar, { name: dir, type: "directory", mode: 0o755 }) });
  for (const blob of blobs) {
    entries.push({
      name: blobPath(blob),
      write: async () => {
        const stream = tar.entry({ name: blobPath(blob), size: blob.size, mode: 0o444, mtime: new Date(0), uid: 0, gid: 0 });
        await pipeline(await store.read(blob.digest, { signal }), stream as unknown as Writable);
      },
    });
  }
  for (const file of files) {
    entries.push({ name: file.name, write: () => entry(tar, { name: file.name, type: "file", mode: file.mode }, Buffer.from(file.content)) });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  try {
    for (const e of entries) await e.write();
    tar.finalize();
  } catch (error) {
    tar.destroy(error as Error);
  }
  await done;
}

function entry(tar: ReturnType<typeof pack>, header: { name: string; type: "file" | "directory"; mode: number }, content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const full = { ...header, mtime: new Date(0), uid: 0, gid: 0, ...(content ? { size: content.length } : {}) };
    const callback = (error?: Error | null) => (error ? reject(error) : resolve());
    const sink = content ? tar.entry(full, content, callback) : tar.entry(full, callback);
    // The callback reports failures; without a listener a torn-down archive would crash the process.
    sink.on("error", () => undefined);
  });
}

