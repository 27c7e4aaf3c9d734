import { Readable } from "node:stream";
import type { FsEntry, FsSource } from "@exp/solver";

/** A file of an in-memory filesystem: its content, or a symlink, or an empty directory. */
export type MemoryNode = string | Buffer | { content: string | Buffer; mode: number } | { symlink: string } | { dir: true };

/**
 * An FsSource over files given by path (parents made as directories), for hand-written fixtures:
 * list() sorted, open() and readFile() from memory. `opens` counts the reads, so tests can tell
 * what a scan read.
 */
export function memoryFs(nodes: Readonly<Record<string, MemoryNode>>, options: { readFile?: boolean } = {}): FsSource & { opens: string[] } {
  const entries = new Map<string, FsEntry>();
  const contents = new Map<string, Buffer>();
  const base = { uid: 0, gid: 0, mtimeMs: 0 };
  const addDirs = (path: string) => {
    const parts = path.split("/");
    for (let index = 1; index < parts.length; index++) {
      const dir = parts.slice(0, index).join("/");
      if (!entries.has(dir)) entries.set(dir, { ...base, path: dir, type: "dir", mode: 0o755, size: 0 });
    }
  };
  for (const [path, node] of Object.entries(nodes)) {
    addDirs(path);
    if (typeof node === "object" && "symlink" in node) entries.set(path, { ...base, path, type: "symlink", mode: 0o777, size: 0, linkTarget: node.symlink });
    else if (typeof node === "object" && "dir" in node) entries.set(path, { ...base, path, type: "dir", mode: 0o755, size: 0 });
    else {
      const content = typeof node === "string" || Buffer.isBuffer(node) ? node : node.content;
      const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
      const mode = typeof node === "object" && !Buffer.isBuffer(node) && "mode" in node ? node.mode : 0o644;
      entries.set(path, { ...base, path, type: "file", mode, size: bytes.byteLength });
      contents.set(path, bytes);
    }
  }
  const opens: string[] = [];
  const bytesOf = (path: string) => {
    const bytes = contents.get(path);
    if (!bytes) throw new Error(`${path}: not a file`);
    opens.push(path);
    return bytes;
  };
  const fs: FsSource & { opens: string[] } = {
    opens,
    async list() {
      return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async open(path: string) {
      const bytes = bytesOf(path);
      // Small chunks, so reads of ranges cross chunk boundaries as they do on disk.
      return Readable.from(Array.from({ length: Math.ceil(bytes.byteLength / 4096) }, (_, index) => bytes.subarray(index * 4096, (index + 1) * 4096)));
    },
  };
  if (options.readFile !== false) fs.readFile = async (path: string) => bytesOf(path);
  return fs;
}
