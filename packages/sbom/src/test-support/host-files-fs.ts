import { createReadStream, statSync } from "node:fs";
import type { FsEntry, FsSource } from "@exp/solver";

/**
 * An FsSource made of a few real files of this machine placed at chosen paths (big binaries
 * such as /usr/bin/skopeo at usr/bin/skopeo), streamed from disk on open. `bytesRead` counts what
 * the scan read, to show it did not read whole files.
 */
export function hostFilesFs(files: Readonly<Record<string, string>>): FsSource & { bytesRead: () => number } {
  let bytesRead = 0;
  const entries = new Map<string, FsEntry>();
  for (const [path, host] of Object.entries(files)) {
    const parts = path.split("/");
    for (let index = 1; index < parts.length; index++) {
      const dir = parts.slice(0, index).join("/");
      if (!entries.has(dir)) entries.set(dir, { path: dir, type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0 });
    }
    const stat = statSync(host);
    entries.set(path, { path, type: "file", mode: stat.mode & 0o7777, uid: 0, gid: 0, size: stat.size, mtimeMs: stat.mtimeMs });
  }
  return {
    bytesRead: () => bytesRead,
    async list() {
      return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async open(path: string) {
      const host = files[path];
      if (host === undefined) throw new Error(`${path}: not a file`);
      const stream = createReadStream(host);
      stream.on("data", (chunk) => (bytesRead += (chunk as Buffer).byteLength));
      return stream;
    },
  };
}
