import { Readable } from "node:stream";
import { digestOf } from "@exp/oci-spec";
import { FsPathNotFoundError } from "./errors.js";
import type { FsEntry, FsSource } from "./fs-source.js";
import { compareBytes } from "./path-order.js";
import { ancestorsOf, cleanPath } from "./paths.js";

/** A file given as text, e.g. a COPY heredoc (`COPY <<EOF /etc/x`). */
export interface InlineTextFile {
  readonly name: string;
  readonly content: string;
  /** Default 0o644, BuildKit's mode for heredoc files. */
  readonly mode?: number;
}

export interface InlineFilesSourceOptions {
  /** mtime (ms) of every file and directory; 0 by default so the layer is reproducible. */
  mtimeMs?: number;
}

/**
 * Inline files as an FsSource. Their text already lives in the Dockerfile, so holding it in memory
 * is no extra cost; names with "/" get parent directories (0755). Owned by 0:0 until --chown.
 */
export function inlineFilesSource(files: readonly InlineTextFile[], options: InlineFilesSourceOptions = {}): FsSource {
  const mtimeMs = options.mtimeMs ?? 0;
  const contents = new Map<string, Buffer>();
  const entries = new Map<string, FsEntry>();
  for (const file of files) {
    const path = cleanPath(file.name.replace(/^\/+/, ""));
    const content = Buffer.from(file.content, "utf8");
    contents.set(path, content);
    for (const dir of ancestorsOf(path)) {
      entries.set(dir, { path: dir, type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs });
    }
    entries.set(path, { path, type: "file", mode: (file.mode ?? 0o644) & 0o7777, uid: 0, gid: 0, size: content.byteLength, mtimeMs });
  }
  return {
    async list() {
      return [...entries.values()].map((entry) => ({ ...entry })).sort((a, b) => compareBytes(a.path, b.path));
    },
    async open(path) {
      const content = contents.get(cleanPath(path));
      if (!content) throw new FsPathNotFoundError(path, "not an inline file");
      return Readable.from([content]);
    },
    async contentDigest(entry) {
      const content = contents.get(entry.path);
      if (!content) throw new FsPathNotFoundError(entry.path, "not an inline file");
      return digestOf(content);
    },
  };
}
