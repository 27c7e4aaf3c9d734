import { Readable } from "node:stream";
import { ExpError, throwIfAborted } from "@exp/errors";
import { readTar, TarError, TarHeaderTooLargeError, type TarHeader } from "@exp/tar";
import { ArchiveEntryError, FsPathNotFoundError, InvalidArchiveError, InvalidLayerTarError } from "./errors.js";
import type { FsEntry, FsReadOptions, FsSource } from "./fs-source.js";
import { compareBytes } from "./path-order.js";
import { PathTreeMap } from "./path-tree-map.js";
import { baseName, cleanPath, parentOf } from "./paths.js";
import { xattrsFromTar } from "./tar-header.js";

/** One uncompressed layer tar, opened afresh on every call. */
export interface TarLayer {
  open(): Promise<Readable>;
  /** `size` bytes from byte `start`, when the tar can be read at random (a blob in the store). */
  openRange?(start: number, size: number): Promise<Readable>;
}

export interface TarChainOptions {
  /**
   * Read one tar as an archive that ADD extracts (naming it in errors), not as image layers: as
   * moby/go-archive's Untar, `.wh.` names are plain files, a name that climbs out of the
   * destination (`../`) is an error, and so is an entry exp cannot write into a layer (a device).
   */
  archive?: string;
}

/** Where a file's bytes are: the layer that wrote them and the byte range of the entry's data. */
interface ContentLocation {
  layer: number;
  offset: number;
  size: number;
}

interface IndexedEntry {
  entry: FsEntry;
  content?: ContentLocation;
}

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";
const META_PREFIX = ".wh..wh.";

/**
 * The final filesystem of a chain of layer tars (base first), so COPY --from can read a stage or
 * an image. The chain is indexed once, on the first list() or open(), by streaming each tar with
 * content skipped; OCI whiteouts apply to the layers below: `dir/.wh.name` deletes `dir/name` and
 * everything under it, `dir/.wh..wh..opq` empties `dir` of what lower layers put there. An entry
 * that is not a directory replaces whatever was at its path (a lower directory's subtree included).
 * Device nodes are skipped; other `.wh..wh.*` names (AUFS metadata) are ignored.
 *
 * open(path) streams the layer that last wrote the file up to that entry and returns its bytes
 * (a hard link reads its target's). Reading many files of one big layer this way is quadratic;
 * fine for COPY of a few files, worth an extraction cache later.
 */
export function tarChainFsSource(layers: readonly TarLayer[], options: TarChainOptions = {}): FsSource {
  let indexing: Promise<ReadonlyMap<string, IndexedEntry>> | undefined;
  const indexed = (signal?: AbortSignal): Promise<ReadonlyMap<string, IndexedEntry>> => {
    indexing ??= indexChain(layers, options, signal);
    // A failed (or aborted) indexing may be retried by the next call.
    indexing.catch(() => (indexing = undefined));
    return indexing;
  };

  return {
    async list(options: FsReadOptions = {}) {
      const index = await indexed(options.signal);
      return [...index.values()].map(({ entry }) => ({ ...entry })).sort((a, b) => compareBytes(a.path, b.path));
    },

    async open(path: string, options: FsReadOptions = {}) {
      throwIfAborted(options.signal, `reading ${path}`);
      const found = (await indexed(options.signal)).get(cleanPath(path));
      if (!found?.content) throw new FsPathNotFoundError(path, "not a file of the tar chain");
      const { layer, offset, size } = found.content;
      const layerSource = layers[layer] as TarLayer;
      if (layerSource.openRange) return layerSource.openRange(offset, size);
      return Readable.from(sliceStream(await layerSource.open(), offset, size, options.signal));
    },
  };
}

/**
 * How many layers' tars are read ahead of the one being indexed: their decompression runs on
 * libuv's threads, so a chain of gzip layers is read on every core (an SBOM of the seed's ten
 * 30 MiB layers, one after another, spent most of its time in one gunzip at a time).
 */
const LAYERS_READ_AHEAD = 2;

async function indexChain(layers: readonly TarLayer[], options: TarChainOptions, signal?: AbortSignal): Promise<ReadonlyMap<string, IndexedEntry>> {
  const state = new PathTreeMap<IndexedEntry>();
  const headers: Array<Promise<LayerHeaders>> = [];
  const start = (index: number) => {
    if (index >= layers.length || headers[index]) return;
    const reading = readHeaders(layers[index] as TarLayer, index, options.archive, signal);
    // Awaited in order below; a layer that fails while an earlier one is indexed is not unhandled meanwhile.
    reading.catch(() => undefined);
    headers[index] = reading;
  };
  for (let layer = 0; layer < layers.length; layer++) {
    throwIfAborted(signal, "indexing a tar chain");
    for (let ahead = layer; ahead <= layer + LAYERS_READ_AHEAD; ahead++) start(ahead);
    const { added, whiteouts, opaque } = readLayer(await (headers[layer] as Promise<LayerHeaders>), layer, state.asMap(), options.archive);
    delete headers[layer];
    // Whiteouts hide only what lower layers hold, so they apply before this layer's own entries.
    for (const dir of opaque) state.deleteBelow(dir, false);
    for (const path of whiteouts) state.deleteBelow(path, true);
    for (const item of added) {
      const existing = state.get(item.entry.path);
      if (item.entry.type !== "dir" || (existing && existing.entry.type !== "dir")) state.deleteBelow(item.entry.path, true);
      state.set(item.entry.path, item);
    }
  }
  return state.asMap();
}

type LayerHeaders = ReadonlyArray<{ header: TarHeader; offset: number }>;

/** A layer's tar headers and where each entry's data starts; bodies are skipped, open() comes back for the one it needs. */
async function readHeaders(layer: TarLayer, layerIndex: number, archive: string | undefined, signal?: AbortSignal): Promise<LayerHeaders> {
  const where = archive === undefined ? `layer ${layerIndex} of the tar chain` : "its tar";
  const headers: Array<{ header: TarHeader; offset: number }> = [];
  try {
    for await (const { header, offset } of readTar(await layer.open(), { signal, name: where })) {
      // An archive's entries are checked as they come, so a bad one fails before the rest is read.
      if (archive !== undefined) checkArchiveEntry(archive, header, cleanPath(header.name.replace(/^\/+/, "")));
      headers.push({ header, offset });
    }
  } catch (error) {
    throwIfAborted(signal, "indexing a tar chain");
    // Our own errors (a layer whose content is not its diff_id, a header too large) say more than "invalid tar".
    if (error instanceof TarHeaderTooLargeError || (error instanceof ExpError && !(error instanceof TarError))) throw error;
    if (archive !== undefined) throw new InvalidArchiveError(archive, (error as Error).message ?? String(error), error);
    throw new InvalidLayerTarError(layerIndex, (error as Error).message ?? String(error), error);
  }
  return headers;
}

function readLayer(
  headers: LayerHeaders,
  layerIndex: number,
  lower: ReadonlyMap<string, IndexedEntry>,
  archive: string | undefined,
): { added: IndexedEntry[]; whiteouts: string[]; opaque: string[] } {
  const added = new Map<string, IndexedEntry>();
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  for (const { header, offset } of headers) {
    const path = cleanPath(header.name.replace(/^\/+/, ""));
    if (archive !== undefined) {
      if (path === ".") continue;
      const indexedEntry = toIndexed(header, offset, path, layerIndex, added, lower);
      if (indexedEntry) added.set(path, indexedEntry);
      continue;
    }
    if (path === "." || path.startsWith("../") || path === "..") continue;
    const name = baseName(path);
    if (name === OPAQUE_MARKER) {
      opaque.push(parentOf(path));
      continue;
    }
    // AUFS metadata (.wh..wh.plnk/..., .wh..wh.aufs) is not part of the filesystem.
    if (path.split("/").some((part) => part.startsWith(META_PREFIX))) continue;
    if (name.startsWith(WHITEOUT_PREFIX)) {
      whiteouts.push(joinParent(path, name.slice(WHITEOUT_PREFIX.length)));
      continue;
    }
    const indexedEntry = toIndexed(header, offset, path, layerIndex, added, lower);
    if (indexedEntry) added.set(path, indexedEntry);
  }
  return { added: [...added.values()], whiteouts, opaque };
}

function toIndexed(
  header: TarHeader,
  offset: number,
  path: string,
  layer: number,
  sameLayer: ReadonlyMap<string, IndexedEntry>,
  lower: ReadonlyMap<string, IndexedEntry>,
): IndexedEntry | undefined {
  const xattrs = xattrsFromTar(header.xattrs);
  const base = { ...(xattrs ? { xattrs } : {}), path, mode: header.mode & 0o7777, uid: header.uid, gid: header.gid, mtimeMs: header.mtimeMs };
  switch (header.type) {
    case "file":
    case "contiguous-file": {
      const size = header.size;
      return { entry: { ...base, type: "file", size }, content: { layer, offset, size } };
    }
    case "directory":
      return { entry: { ...base, type: "dir", size: 0 } };
    case "symlink":
      return { entry: { ...base, type: "symlink", size: 0, linkTarget: header.linkname } };
    case "fifo":
      return { entry: { ...base, type: "fifo", size: 0 } };
    case "link": {
      const targetPath = cleanPath(header.linkname.replace(/^\/+/, ""));
      const target = sameLayer.get(targetPath) ?? lower.get(targetPath);
      // A link to nothing cannot be read; tar implementations fail on it too, we drop it.
      if (!target?.content) return undefined;
      const first = target.entry.type === "hardlink" ? (target.entry.linkTarget as string) : targetPath;
      return {
        entry: { ...base, mode: target.entry.mode, type: "hardlink", size: target.content.size, linkTarget: first },
        content: target.content,
      };
    }
    default:
      return undefined;
  }
}

/**
 * What go-archive's Untar refuses (breakoutError, "unhandled tar header type"), and what exp cannot
 * put in a layer: devices, which BuildKit would create (as root) and exp's layers do not carry.
 */
function checkArchiveEntry(archive: string, header: TarHeader, path: string): void {
  if (path === ".." || path.startsWith("../")) throw new ArchiveEntryError(archive, header.name, "its name climbs out of the destination");
  if (header.type === "character-device" || header.type === "block-device") throw new ArchiveEntryError(archive, header.name, `it is a ${header.type}, which exp does not write into layers`);
  if (header.type === "unknown") throw new ArchiveEntryError(archive, header.name, `its typeflag ${JSON.stringify(header.typeflag)} is not one tar extraction knows`);
}

function joinParent(path: string, name: string): string {
  const parent = parentOf(path);
  return parent === "" ? name : `${parent}/${name}`;
}

/** Yields bytes [offset, offset + size) of a stream, then stops reading it. */
async function* sliceStream(source: Readable, offset: number, size: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let position = 0;
  let remaining = size;
  try {
    if (remaining === 0) return;
    for await (const chunk of source) {
      throwIfAborted(signal, "reading a file of a tar chain");
      const bytes = chunk as Buffer;
      const start = Math.max(0, offset - position);
      position += bytes.byteLength;
      if (start >= bytes.byteLength) continue;
      const piece = bytes.subarray(start, start + remaining);
      remaining -= piece.byteLength;
      yield piece;
      if (remaining === 0) return;
    }
    throw new FsPathNotFoundError(`layer byte ${offset}`, "the layer tar ended before the file did");
  } finally {
    source.destroy();
  }
}
