import type { Readable } from "node:stream";
import type { Digest } from "@exp/oci-spec";
import type { CopyPlan } from "./copy-plan.js";
import type { FsEntry, FsSource } from "./fs-source.js";
import { InvalidLayerEntryError } from "./errors.js";
import { sortInWalkOrder } from "./path-order.js";
import type { FileModeChange } from "./symbolic-mode.js";
import { LAYER_XATTRS } from "./walk-context.js";

/**
 * One entry of a layer tar, with its final metadata: an FsEntry whose path is in the image ("/app/x"
 * or "app/x": the tar drops a leading "/") and, for "hardlink", names an earlier "file" entry.
 */
export interface LayerEntry extends FsEntry {
  // The three reads below are called as methods of the entry (entry.open(…)): a planned file's are
  // shared functions that find their source through `this`.
  /** A file's content; required for "file". */
  open?: (options: { signal?: AbortSignal }) => Promise<Readable>;
  /** A small file's whole content at once (FsSource.readFile), when the source offers it. */
  readFile?: (options: { signal?: AbortSignal }) => Promise<Buffer>;
  /** A file's sha256 when known without reading it (a cache); checksumCopy prefers it to `open`. */
  contentDigest?: (options: { signal?: AbortSignal }) => Promise<Digest>;
}

/** Ownership and permissions COPY --chown / --chmod impose. */
export interface CopyAttributes {
  chown?: { uid: number; gid: number };
  /**
   * --chmod for copied files and directories (symlinks keep their mode): a number replaces the
   * permission bits (0..0o7777), a FileModeChange (symbolic, `u=rwX`) is applied to each entry's
   * own mode. An octal value is also the mode of the parent directories the COPY creates.
   */
  chmod?: number | FileModeChange;
}

export function isCopyPlan(input: CopyPlan | readonly LayerEntry[]): input is CopyPlan {
  return !Array.isArray(input) && Array.isArray((input as CopyPlan).entries);
}

/** How --chown and --chmod apply to an entry: see CopyPlanEntry's `implied` and `kept`. */
type EntryRole = "copied" | "implied" | "kept" | "unpacked";

/**
 * The entries to write (or checksum), sorted in walk order, with --chown on what the COPY writes
 * (created parent directories included, as fsutil's MkdirAll chowns them) and --chmod on copied
 * files and directories (not on symlinks). Created parents get the octal --chmod or 0755;
 * directories the base already holds keep all of their own metadata.
 */
export function resolveLayerEntries(input: CopyPlan | readonly LayerEntry[], attributes: CopyAttributes = {}): LayerEntry[] {
  // Both make new objects (withAttributes copies), so the tar names can be set on them in place.
  const entries = isCopyPlan(input) ? planEntries(input, attributes) : input.map((entry) => withAttributes(entry, attributes, "copied"));
  for (const entry of entries) entry.path = tarPath(entry.path);
  // A copy plan comes in walk order already (CopyPlanBuilder.build).
  sortInWalkOrder(entries, (entry) => entry.path);
  checkEntries(entries);
  return entries;
}

function planEntries(plan: CopyPlan, attributes: CopyAttributes): LayerEntry[] {
  return plan.entries.map(({ from, source, to, linkTo, implied, kept, unpacked }) => {
    const xattrs = from.xattrs ? { xattrs: from.xattrs } : {};
    if (linkTo !== undefined) {
      return withAttributes({ path: to, type: "hardlink", mode: from.mode, uid: from.uid, gid: from.gid, size: 0, mtimeMs: from.mtimeMs, linkTarget: linkTo, ...xattrs }, attributes, unpacked ? "unpacked" : "copied");
    }
    const type = from.type === "hardlink" ? "file" : from.type;
    const entry: LayerEntry = { path: to, type, mode: from.mode, uid: from.uid, gid: from.gid, size: type === "file" ? from.size : 0, mtimeMs: from.mtimeMs, ...xattrs };
    if (type === "symlink") entry.linkTarget = from.linkTarget ?? "";
    if (type === "file") {
      const planned = entry as PlannedFile;
      planned[SOURCE] = source;
      planned[FROM] = from;
      entry.open = openPlanned;
      if (source.readFile) entry.readFile = readPlanned;
      if (source.contentDigest) entry.contentDigest = digestPlanned;
    }
    return withAttributes(entry, attributes, kept ? "kept" : implied ? "implied" : unpacked ? "unpacked" : "copied");
  });
}

/**
 * A file of a copy plan, with where to read it: its methods are shared functions that find the
 * source through `this`, not closures made per entry (a node_modules COPY has tens of thousands of
 * files, and five function objects each were megabytes held until the layer was written). Symbol
 * keys survive withAttributes' spread, as own properties do.
 */
const SOURCE = Symbol("source");
const FROM = Symbol("from");
interface PlannedFile extends LayerEntry {
  [SOURCE]: FsSource;
  [FROM]: FsEntry;
}

function openPlanned(this: LayerEntry, options: { signal?: AbortSignal }): Promise<Readable> {
  const { [SOURCE]: source, [FROM]: from } = this as PlannedFile;
  return source.open(from.path, options);
}

function readPlanned(this: LayerEntry, options: { signal?: AbortSignal }): Promise<Buffer> {
  const { [SOURCE]: source, [FROM]: from } = this as PlannedFile;
  return source.readFile!(from.path, options);
}

function digestPlanned(this: LayerEntry, options: { signal?: AbortSignal }): Promise<Digest> {
  const { [SOURCE]: source, [FROM]: from } = this as PlannedFile;
  return source.contentDigest!(from, options);
}

function withAttributes(entry: LayerEntry, attributes: CopyAttributes, role: EntryRole): LayerEntry {
  const out = { ...entry, mode: entry.mode & 0o7777 };
  carriedXattrs(out);
  if (role === "kept") return out;
  if (attributes.chown) {
    out.uid = attributes.chown.uid;
    out.gid = attributes.chown.gid;
  }
  const { chmod } = attributes;
  if (role === "implied") {
    const octal = typeof chmod === "number" ? chmod : chmod?.octal;
    out.mode = octal === undefined ? 0o755 : octal & 0o7777;
  } else if (chmod !== undefined && entry.type !== "symlink" && role !== "unpacked") {
    out.mode = typeof chmod === "number" ? chmod & 0o7777 : chmod.apply(out.mode, entry.type === "dir");
  }
  return out;
}

/** Keeps only the xattrs a layer carries (LAYER_XATTRS), as BuildKit's tar writer does. */
function carriedXattrs(entry: LayerEntry): void {
  if (!entry.xattrs) return;
  const kept = Object.entries(entry.xattrs).filter(([name]) => LAYER_XATTRS.includes(name));
  if (kept.length === 0) delete entry.xattrs;
  else entry.xattrs = Object.fromEntries(kept);
}

/** The tar name: no leading "/", no "./"; directories get their trailing "/" at header time. */
export function tarPath(path: string): string {
  // What /^(\.\/|\/)+/ and /\/+$/ would strip, without two regular expressions per entry.
  let start = 0;
  for (;;) {
    if (path.startsWith("/", start)) start += 1;
    else if (path.startsWith("./", start)) start += 2;
    else break;
  }
  let end = path.length;
  while (end > start && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(start, end);
}

function checkEntries(entries: readonly LayerEntry[]): void {
  const files = new Set<string>();
  let previous: string | undefined;
  for (const entry of entries) {
    if (entry.path === "") throw new InvalidLayerEntryError(entry.path, "the root directory is not written into a layer");
    if (entry.path === previous) throw new InvalidLayerEntryError(entry.path, "appears twice");
    previous = entry.path;
    if (entry.type === "file") {
      if (!entry.open) throw new InvalidLayerEntryError(entry.path, "a file entry needs open()");
      files.add(entry.path);
    }
    // A tar hard link names an entry already extracted, so its target must be an earlier file.
    if (entry.type === "hardlink" && !files.has(tarPath(entry.linkTarget ?? ""))) {
      throw new InvalidLayerEntryError(entry.path, `hard link to ${JSON.stringify(entry.linkTarget ?? "")}, which is not an earlier file entry`);
    }
  }
}
