import type { Readable } from "node:stream";
import { AbortedError, ExpError, throwIfAborted } from "@exp/errors";
import { checkTarHeader, tarHeaderError, type Layer } from "@exp/solver";
import { extract as createExtract, type Extract, type Header } from "tar-stream";
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

/** One entry of tar-stream's extract: its header and a stream of its data. */
type Entry = Extract extends AsyncIterable<infer E> ? E : never;
/** What tar-stream's extract hands out beyond its typings: decoded PAX records. */
type LayerHeader = Omit<Header, "pax"> & { pax?: Record<string, string> | null };

/**
 * Streams one layer tar into the tree: metadata into the tree, file bytes into the spool, in one
 * pass. Errors of our own (unsafe paths, bad links, aborts) pass through; anything else that goes
 * wrong while reading is the layer's fault and is reported as ERR_LOCAL_LAYER_READ naming it.
 */
export async function applyLayer(tree: RootfsTree, spool: Spool, layer: Layer, index: number, options: ApplyLayerOptions = {}): Promise<void> {
  const { signal } = options;
  throwIfAborted(signal, "exporting files");
  let source: Readable | undefined;
  // The layer stream's own error is the one to report: destroying the extractor with it makes the
  // entry being read fail first, with a generic "Stream was destroyed".
  let sourceError: unknown;
  const extract = createExtract();
  // A stalled layer stream would never notice the signal by itself: destroying it ends the loop.
  const onAbort = (): void => {
    source?.destroy(new AbortedError("exporting files", signal?.reason));
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    source = await layer.openTar(signal ? { signal } : {});
    // An abort that fired while the layer was being opened found no stream to destroy.
    throwIfAborted(signal, "exporting files");
    source.on("error", (error) => {
      sourceError ??= error;
      extract.destroy(error);
    });
    // tar-stream's extract is a streamx stream: plain pipe() is the documented way to feed it.
    source.pipe(extract as unknown as NodeJS.WritableStream);
    for await (const entry of extract) {
      throwIfAborted(signal, "exporting files");
      await applyEntry(tree, spool, entry, index, options);
    }
  } catch (error) {
    throwIfAborted(signal, "exporting files");
    const cause = sourceError ?? error;
    if (cause instanceof ExpError) throw cause;
    throw tarHeaderError(cause, `layer ${index} (${layer.diffID})`) ?? new LayerReadError(index, layer.diffID, cause);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    source?.destroy();
  }
}

async function applyEntry(tree: RootfsTree, spool: Spool, entry: Entry, layer: number, options: ApplyLayerOptions): Promise<void> {
  const header = entry.header as LayerHeader;
  checkTarHeader(header, `layer ${layer}`);
  const name = parseEntryName(header.name);
  const isFile = header.type === "file" || header.type === "contiguous-file";
  // Only a file that becomes part of the tree is read; every other entry's data (whiteouts are
  // empty files, usually) is drained so the extractor can move on.
  if (!(name.kind === "path" && isFile)) entry.resume();
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
      const content = await spool.write(entry as AsyncIterable<Uint8Array>, meta, options.signal);
      return tree.put(header.name, parts, { kind: "file", meta, layer, content });
    }
    case "directory":
      return tree.put(header.name, parts, { kind: "dir", meta, layer, children: new Map() });
    case "symlink":
      return tree.put(header.name, parts, { kind: "symlink", meta, layer, target: header.linkname ?? "" });
    case "link":
      return putHardLink(tree, header.name, parts, header.linkname ?? "", layer);
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

function metaOf(header: LayerHeader, epochSeconds: number | undefined): NodeMeta {
  const pax = header.pax ?? {};
  const mtimeMs = pax.mtime !== undefined ? Math.floor(Number(pax.mtime) * 1000) : (header.mtime?.getTime() ?? 0);
  return {
    mode: (header.mode ?? 0) & 0o7777,
    uid: pax.uid !== undefined ? Number(pax.uid) : (header.uid ?? 0),
    gid: pax.gid !== undefined ? Number(pax.gid) : (header.gid ?? 0),
    mtimeMs: clampMtime(Number.isFinite(mtimeMs) ? mtimeMs : 0, epochSeconds),
  };
}
