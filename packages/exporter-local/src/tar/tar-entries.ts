import { createReadStream } from "node:fs";
import type { LayerEntry } from "@exp/solver";
import { walkTree, type DirNode } from "../rootfs/rootfs-tree.js";
import type { SpoolFile } from "../rootfs/spool.js";

/**
 * The assembled tree as entries for @exp/solver's writeLayerTar, which writes them the way layer
 * tars are written (walk order, numeric ids, no atime/ctime/uname). Names sharing one spooled
 * file are a hard-link group: the first in walk order carries the bytes, the others link to it,
 * since a tar link must name an entry already extracted.
 */
export function toTarEntries(root: DirNode): LayerEntry[] {
  const entries: LayerEntry[] = [];
  const firstName = new Map<SpoolFile, string>();
  for (const [path, node] of walkTree(root)) {
    const base = { path, mode: node.meta.mode, uid: node.meta.uid, gid: node.meta.gid, mtimeMs: node.meta.mtimeMs };
    switch (node.kind) {
      case "dir":
        entries.push({ ...base, type: "dir", size: 0 });
        break;
      case "symlink":
        entries.push({ ...base, type: "symlink", size: 0, linkTarget: node.target });
        break;
      case "file": {
        const content = node.content;
        const first = firstName.get(content);
        if (first !== undefined) {
          entries.push({ ...base, type: "hardlink", size: content.size, linkTarget: first });
          break;
        }
        firstName.set(content, path);
        entries.push({
          ...base,
          type: "file",
          size: content.size,
          open: async ({ signal }) => createReadStream(content.path, signal ? { signal } : {}),
        });
        break;
      }
    }
  }
  return entries;
}
