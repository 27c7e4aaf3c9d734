// Helpers for this package's tests only (not exported from index.ts).
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, readlink, lstat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ContentStore } from "@exp/content";
import { runExport, type ExportOutcome } from "@exp/coordinator";
import { digestOf, type Platform } from "@exp/oci-spec";
import { createRef, type Exporter, type ExportSource, type Layer, type ProgressEvent } from "@exp/solver";
import { pack as createPack, type Header } from "tar-stream";

export type TarSpec = Partial<Header> & { name: string; content?: string | Buffer };

export const linuxAmd64: Platform = { os: "linux", architecture: "amd64" };
export const linuxArm64: Platform = { os: "linux", architecture: "arm64" };

/** A tar with exactly these entries, in this order (modes default to 0755/0777/0644 by type, mtime 2001-09-09). */
export async function tarBytes(entries: readonly TarSpec[]): Promise<Buffer> {
  const pack = createPack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { content, ...header } of entries) {
    const full = { mode: header.type === "directory" ? 0o755 : header.type === "symlink" ? 0o777 : 0o644, mtime: new Date(1_000_000_000_000), ...header };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null): void => (error ? reject(error) : resolve());
      if (content !== undefined) pack.entry(full, typeof content === "string" ? Buffer.from(content) : content, done);
      else pack.entry(full, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** A layer over tar bytes held by the test (they are tiny); `openTar` streams them. */
export async function tarLayer(entries: readonly TarSpec[]): Promise<Layer> {
  const bytes = await tarBytes(entries);
  return { diffID: digestOf(bytes), size: bytes.length, openTar: async () => Readable.from([bytes]) };
}

/** A layer whose stream delivers `entries`' first `failAfter` bytes, then fails (a disk or network error). */
export async function failingLayer(entries: readonly TarSpec[], failAfter: number): Promise<Layer> {
  const bytes = await tarBytes(entries);
  return {
    diffID: digestOf(bytes),
    openTar: async () =>
      Readable.from(
        (async function* () {
          yield bytes.subarray(0, failAfter);
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw new Error("connection reset while reading the layer");
        })(),
      ),
  };
}

/** A layer that delivers `entries`' first `stallAfter` bytes, calls `onStalled` and never continues. */
export async function stallingLayer(entries: readonly TarSpec[], stallAfter: number, onStalled: () => void): Promise<Layer> {
  const bytes = await tarBytes(entries);
  return {
    diffID: digestOf(bytes),
    openTar: async () => {
      const stream = new Readable({ read() {} });
      stream.push(bytes.subarray(0, stallAfter));
      setTimeout(onStalled, 10);
      return stream;
    },
  };
}

/** A layer that delivers `entries`' first `pauseAfter` bytes, waits for `during()`, then the rest. */
export async function pausingLayer(entries: readonly TarSpec[], pauseAfter: number, during: () => Promise<void>): Promise<Layer> {
  const bytes = await tarBytes(entries);
  return {
    diffID: digestOf(bytes),
    openTar: async () => {
      const stream = new Readable({ read() {} });
      stream.push(bytes.subarray(0, pauseAfter));
      void during().then(
        () => {
          stream.push(bytes.subarray(pauseAfter));
          stream.push(null);
        },
        (error: unknown) => stream.destroy(error as Error),
      );
      return stream;
    },
  };
}

export function sourceOf(
  results: ReadonlyArray<{ platform: Platform; layers: readonly Layer[] }>,
  options: { multiPlatform?: boolean; sourceDateEpoch?: number } = {},
): ExportSource {
  return {
    results: results.map(({ platform, layers }) => ({ platform, ref: createRef(layers), config: { os: platform.os, architecture: platform.architecture } })),
    multiPlatform: options.multiPlatform ?? results.length > 1,
    metadata: options.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: options.sourceDateEpoch },
  };
}

/** Runs one exporter through the coordinator, exactly as the CLI does. */
export async function runExporter(
  exporter: Exporter,
  attrs: Record<string, string>,
  source: ExportSource,
  store: ContentStore,
  options: { signal?: AbortSignal; events?: ProgressEvent[] } = {},
): Promise<ExportOutcome> {
  return runExport({
    source,
    store,
    exporters: [exporter.resolve(attrs)],
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.events ? { onProgress: (event: ProgressEvent) => options.events?.push(event) } : {}),
  });
}

/**
 * Everything observable about a tree, without following symlinks: type, mode, owner, mtime, and
 * a file's sha256 or a symlink's target. Two equal snapshots mean a byte-identical tree.
 */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const key = rel === "" ? name : `${rel}/${name}`;
      const stats = await lstat(path);
      const common = `${(stats.mode & 0o7777).toString(8)} ${stats.uid}:${stats.gid} ${Math.floor(stats.mtimeMs)}`;
      if (stats.isDirectory()) {
        out[key] = `dir ${common}`;
        await visit(path, key);
      } else if (stats.isSymbolicLink()) {
        out[key] = `symlink -> ${await readlink(path)}`;
      } else {
        out[key] = `file ${common} ${createHash("sha256").update(await readFile(path)).digest("hex")}`;
      }
    }
  };
  await visit(root, "");
  return out;
}

/** A build context: "path": "content", or { symlink: "target" }. */
export async function writeContext(root: string, files: Record<string, string | { symlink: string }>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    if (typeof content === "string") await writeFile(join(root, path), content);
    else await symlink(content.symlink, join(root, path));
  }
  return root;
}
