import type { Readable } from "node:stream";
import type { Digest } from "@exp/oci-spec";
import type { CopyPlan } from "./copy-plan.js";
import type { FsEntry } from "./fs-source.js";
import { InvalidLayerEntryError } from "./errors.js";
import { compareWalkOrder } from "./path-order.js";

/**
 * One entry of a layer tar, with its final metadata: an FsEntry whose path is in the image ("/app/x"
 * or "app/x": the tar drops a leading "/") and, for "hardlink", names an earlier "file" entry.
 */
export interface LayerEntry extends FsEntry {
  /** A file's content; required for "file". */
  open?: (options: { signal?: AbortSignal }) => Promise<Readable>;
  /** A file's sha256 when known without reading it (a cache); checksumCopy prefers it to `open`. */
  contentDigest?: (options: { signal?: AbortSignal }) => Promise<Digest>;
}

/** Ownership and permissions COPY --chown / --chmod impose. */
export interface CopyAttributes {
  chown?: { uid: number; gid: number };
  /** Replaces the permission bits (0..0o7777) of files and directories, as --chmod does; symlinks keep theirs. */
  chmod?: number;
}

export function isCopyPlan(input: CopyPlan | readonly LayerEntry[]): input is CopyPlan {
  return !Array.isArray(input) && Array.isArray((input as CopyPlan).entries);
}

/**
 * The entries to write (or checksum), sorted in walk order, with --chown on everything (implied
 * directories included, as BuildKit's MkdirAll chowns them) and --chmod on copied files and
 * directories (not on symlinks, not on implied directories, which stay 0755).
 */
export function resolveLayerEntries(input: CopyPlan | readonly LayerEntry[], attributes: CopyAttributes = {}): LayerEntry[] {
  const entries = isCopyPlan(input) ? planEntries(input, attributes) : input.map((entry) => withAttributes(entry, attributes, true));
  const sorted = entries.map((entry) => ({ ...entry, path: tarPath(entry.path) })).sort((a, b) => compareWalkOrder(a.path, b.path));
  checkEntries(sorted);
  return sorted;
}

function planEntries(plan: CopyPlan, attributes: CopyAttributes): LayerEntry[] {
  return plan.entries.map(({ from, source, to, linkTo, implied }) => {
    if (linkTo !== undefined) {
      return withAttributes({ path: to, type: "hardlink", mode: from.mode, uid: from.uid, gid: from.gid, size: 0, mtimeMs: from.mtimeMs, linkTarget: linkTo }, attributes, true);
    }
    const type = from.type === "hardlink" ? "file" : from.type;
    const entry: LayerEntry = { path: to, type, mode: from.mode, uid: from.uid, gid: from.gid, size: type === "file" ? from.size : 0, mtimeMs: from.mtimeMs };
    if (type === "symlink") entry.linkTarget = from.linkTarget ?? "";
    if (type === "file") {
      entry.open = (options) => source.open(from.path, options);
      if (source.contentDigest) {
        const digest = source.contentDigest.bind(source);
        entry.contentDigest = (options) => digest(from, options);
      }
    }
    return withAttributes(entry, attributes, !implied);
  });
}

function withAttributes(entry: LayerEntry, attributes: CopyAttributes, chmodApplies: boolean): LayerEntry {
  const out = { ...entry, mode: entry.mode & 0o7777 };
  if (attributes.chown) {
    out.uid = attributes.chown.uid;
    out.gid = attributes.chown.gid;
  }
  if (attributes.chmod !== undefined && chmodApplies && entry.type !== "symlink") out.mode = attributes.chmod & 0o7777;
  return out;
}

/** The tar name: no leading "/", no "./"; directories get their trailing "/" at header time. */
export function tarPath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
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
