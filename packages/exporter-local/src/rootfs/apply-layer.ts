import type { Readable } from "node:stream";
import { AbortedError, ExpError, throwIfAborted } from "@exp/errors";
import type { Layer } from "@exp/solver";
import { readTar, TarError, TarHeaderTooLargeError, type TarEntry, type TarHeader } from "@exp/tar";
import { BadHardLinkError, LayerReadError } from "../errors.js";
import { parseEntryName, splitSafe } from "./entry-name.js";
import { clampMtime, type NodeMeta } from "./node-meta.js";
import type { RootfsTree } from "./rootfs-tree.js";
import type { Spool } from "./spool.js";

export interface ApplyLayerOptions {
  signal?: AbortSignal;
  /** SOURCE_DATE_EPOCH in seconds: later mtimes are clamped to it. */
  epochSeconds?: number;
  /** Entries that are not exported (device nodes, FIFOs), reported once each. */
  onSkipped?: (path: string, type: string) => void;
}

/**
 * Streams one layer tar into the tree: metadata into the tree, file bytes into the spool, in one
 * pass. Errors of our own (unsafe paths, bad links, aborts, a PAX header over the 1 MiB tar
 * readers accept) pass through; anything else that goes wrong while reading (a malformed or cut
 * tar, the layer's stream failing) is the layer's fault and is reported as ERR_LOCAL_LAYER_READ
 * naming it.
 */
export async function applyLayer(tree: RootfsTree, spool: Spool, layer: Layer, index: number, options: ApplyLayerOptions = {}): Promise<void> {
  const { signal } = options;
  throwIfAborted(signal, "exporting files");
  let source: Readable | undefined;
  // A stalled layer stream would never notice the signal by itself: destroying it ends the loop.
  const onAbort = (): void => {
    source?.destroy(new AbortedError("exporting files", signal?.reason));
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    source = await layer.openTar(signal ? { signal } : {});
    // An abort that fired while the layer was being opened found no stream to destroy.
    throwIfAborted(signal, "exporting files");
    for await (const entry of readTar(source, { name: `layer ${index} (${layer.diffID})`, ...(signal ? { signal } : {}) })) {
      await applyEntry(tree, spool, entry, index, options);
    }
  } catch (error) {
    throwIfAborted(signal, "exporting files");
    if (error instanceof TarHeaderTooLargeError || (error instanceof ExpError && !(error instanceof TarError))) throw error;
    throw new LayerReadError(index, layer.diffID, error);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    source?.destroy();
  }
}

async function applyEntry(tree: RootfsTree, spool: Spool, entry: TarEntry, layer: number, options: ApplyLayerOptions): Promise<void> {
  const { header } = entry;
  const name = parseEntryName(header.name);
  // Only a file that becomes part of the tree is read; every other entry's data (whiteouts are
  // empty files, usually) is skipped by the reader.
  switch (name.kind) {
    case "root":
    case "ignored":
      // The root's own metadata is not applied: the output root is the user's directory (or the tar's top).
      return;
    case "whiteout":
      return tree.whiteout(name.dir, name.name);
    case "opaque":
      return tree.opaque(header.name, name.dir, layer);
    case "path":
      break;
  }
  const { parts } = name;
  const meta = metaOf(header, options.epochSeconds);
  switch (header.type) {
    case "file":
    case "contiguous-file": {
      const content = await spool.write(entry.body, meta, options.signal);
      return tree.put(header.name, parts, { kind: "file", meta, layer, content });
    }
    case "directory":
      return tree.put(header.name, parts, { kind: "dir", meta, layer, children: new Map() });
    case "symlink":
      return tree.put(header.name, parts, { kind: "symlink", meta, layer, target: header.linkname });
    case "link":
      return putHardLink(tree, header.name, parts, header.linkname, layer);
    case "character-device":
    case "block-device":
    case "fifo": {
      // Not exported (BuildKit's tar cannot carry them to a client either, and creating them
      // needs root); whatever a lower layer had at the path is gone all the same.
      options.onSkipped?.(parts.join("/"), header.type);
      return tree.whiteout(parts.slice(0, -1), parts[parts.length - 1] as string);
    }
    default:
      return;
  }
}

/** A tar hard link names an entry already extracted (this layer or below); the new name shares its bytes and metadata. */
async function putHardLink(tree: RootfsTree, entry: string, parts: string[], linkname: string, layer: number): Promise<void> {
  const targetParts = splitSafe(linkname);
  const target = tree.lookup(targetParts);
  if (!target) throw new BadHardLinkError(entry, linkname, "the target is not in this or a lower layer");
  if (target.kind === "dir") throw new BadHardLinkError(entry, linkname, "the target is a directory");
  if (target.kind === "symlink") {
    // A hard link to a symlink is that same symlink under a second name.
    return tree.put(entry, parts, { kind: "symlink", meta: { ...target.meta }, layer, target: target.target });
  }
  if (targetParts.join("/") === parts.join("/")) return;
  // Counted before put(), which may release the node this one replaces: the same file, maybe.
  target.content.refs += 1;
  await tree.put(entry, parts, { kind: "file", meta: target.meta, layer, content: target.content });
}

function metaOf(header: TarHeader, epochSeconds: number | undefined): NodeMeta {
  return { mode: header.mode & 0o7777, uid: header.uid, gid: header.gid, mtimeMs: clampMtime(header.mtimeMs, epochSeconds) };
}
