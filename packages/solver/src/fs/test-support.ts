// Helpers for this folder's tests only (not exported from index.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { extract as createExtract, pack as createPack, type Header } from "tar-stream";
import { digestOf } from "@exp/oci-spec";
import { FsPathNotFoundError } from "./errors.js";
import type { FsEntry, FsSource } from "./fs-source.js";
import { compareBytes } from "./path-order.js";
import { ancestorsOf } from "./paths.js";

export type MemoryNode =
  | string
  | { file: string; mode?: number; uid?: number; gid?: number; mtimeMs?: number }
  | { dir: true; mode?: number; uid?: number; gid?: number }
  | { symlink: string }
  | { hardlink: string };

/** An in-memory FsSource: "a/b.txt": "content", "a/link": { symlink: "b.txt" }, ... Parents are implied. */
export function memoryFsSource(spec: Record<string, MemoryNode>): FsSource & { opened: string[] } {
  const entries = new Map<string, FsEntry>();
  const contents = new Map<string, Buffer>();
  for (const [path, node] of Object.entries(spec)) {
    for (const dir of ancestorsOf(path)) {
      if (!entries.has(dir)) entries.set(dir, { path: dir, type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 1000 });
    }
    if (typeof node === "string" || "file" in node) {
      const file = typeof node === "string" ? { file: node } : node;
      const content = Buffer.from(file.file);
      contents.set(path, content);
      entries.set(path, { path, type: "file", mode: file.mode ?? 0o644, uid: file.uid ?? 0, gid: file.gid ?? 0, size: content.length, mtimeMs: file.mtimeMs ?? 1000 });
    } else if ("dir" in node) {
      entries.set(path, { path, type: "dir", mode: node.mode ?? 0o755, uid: node.uid ?? 0, gid: node.gid ?? 0, size: 0, mtimeMs: 1000 });
    } else if ("symlink" in node) {
      entries.set(path, { path, type: "symlink", mode: 0o777, uid: 0, gid: 0, size: 0, mtimeMs: 1000, linkTarget: node.symlink });
    } else {
      const target = entries.get(node.hardlink) as FsEntry;
      contents.set(path, contents.get(node.hardlink) as Buffer);
      entries.set(path, { ...target, path, type: "hardlink", linkTarget: node.hardlink });
    }
  }
  const opened: string[] = [];
  return {
    opened,
    async list() {
      return [...entries.values()].map((e) => ({ ...e })).sort((a, b) => compareBytes(a.path, b.path));
    },
    async open(path) {
      const content = contents.get(path);
      if (!content) throw new FsPathNotFoundError(path);
      opened.push(path);
      return Readable.from([content]);
    },
  };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "exp-fs-test-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A Writable that keeps what it receives (tests only: layers here are tiny). */
export function collector(): { stream: NodeJS.WritableStream; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

export interface TarItem {
  header: Header;
  content: Buffer;
}

/** Reads a tar held in memory back into headers and contents. */
export async function readTar(tar: Buffer): Promise<TarItem[]> {
  const extract = createExtract();
  const items: TarItem[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      items.push({ header: entry.header, content: Buffer.concat(chunks) });
    }
  })();
  extract.end(tar);
  await done;
  return items;
}

export type TarSpecEntry = Partial<Header> & { name: string; content?: string };

/** Builds a tar in memory with tar-stream, for layer fixtures. */
export async function makeTar(entries: readonly TarSpecEntry[]): Promise<Buffer> {
  const pack = createPack();
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ mtime: new Date(0), ...header }, content ?? "", (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await reading;
  return Buffer.concat(chunks);
}

export { digestOf };
