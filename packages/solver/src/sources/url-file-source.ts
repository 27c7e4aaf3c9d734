import { Readable } from "node:stream";
import type { ContentStore } from "@exp/content";
import { FsPathNotFoundError, type FsEntry, type FsSource } from "../fs/index.js";
import type { DownloadedFile } from "./url-download.js";

/**
 * BuildKit's http source writes the file with mode 0600 and owner 0:0 (source/http save: `perm :=
 * 0600` unless the LLB op sets another, which the Dockerfile front end never does); --chmod and
 * --chown of the ADD then apply as to any copy.
 */
export const urlFileMode = 0o600;

/** The filesystem of an http node: the one downloaded file at its root, read from the store. */
export function urlFileSource(store: ContentStore, filename: string, file: DownloadedFile): FsSource {
  const entry: FsEntry = { path: filename, type: "file", mode: urlFileMode, uid: 0, gid: 0, size: file.size, mtimeMs: file.mtimeMs };
  return {
    async list() {
      return [{ ...entry }];
    },
    async open(path, options = {}) {
      if (path.replace(/^\/+/, "") !== filename) throw new FsPathNotFoundError(path, `the download holds only ${filename}`);
      const stream = await store.read(file.digest, options.signal ? { signal: options.signal } : {});
      return stream instanceof Readable ? stream : Readable.from(stream);
    },
    async contentDigest() {
      return file.digest;
    },
  };
}
