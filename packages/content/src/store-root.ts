import { readdir, stat } from "node:fs/promises";
import { throwIfAborted } from "@exp/errors";
import { NotAStoreError } from "./errors.js";
import { isNotFound } from "./fs-util.js";
import { Layout } from "./layout.js";

/** What is at a store root, told apart without writing anything. */
export type StoreRootState =
  | { kind: "store" }
  | { kind: "missing" }
  | { kind: "not-a-directory" }
  | { kind: "empty" }
  /** A directory that holds other things: a mistyped path, a build context. */
  | { kind: "foreign"; entries: string[] };

/**
 * Whether `root` holds a content store. A store is a directory with a `blobs/` directory in it:
 * openContentStore creates `blobs/` first, so even a store whose creation was interrupted counts,
 * and nothing else exp writes has one. Reads only.
 */
export async function inspectStoreRoot(root: string, options: { signal?: AbortSignal } = {}): Promise<StoreRootState> {
  throwIfAborted(options.signal, `looking for a content store at ${root}`);
  let info;
  try {
    info = await stat(root);
  } catch (error) {
    if (isNotFound(error)) return { kind: "missing" };
    throw error;
  }
  if (!info.isDirectory()) return { kind: "not-a-directory" };
  const blobs = await stat(new Layout(root).blobsDir).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (blobs?.isDirectory()) return { kind: "store" };
  const entries = (await readdir(root)).sort();
  return entries.length === 0 ? { kind: "empty" } : { kind: "foreign", entries };
}

const shownEntries = 5;

/** The error for a root that is not a store, naming what is there instead. */
export function notAStoreError(root: string, state: Exclude<StoreRootState, { kind: "store" }>, hint?: string): NotAStoreError {
  switch (state.kind) {
    case "missing":
      return new NotAStoreError(root, "missing", "it does not exist", hint);
    case "not-a-directory":
      return new NotAStoreError(root, "not-a-directory", "it is not a directory", hint);
    case "empty":
      return new NotAStoreError(root, "empty", "it is an empty directory", hint);
    case "foreign": {
      const shown = state.entries.slice(0, shownEntries).join(", ");
      const more = state.entries.length > shownEntries ? `, and ${state.entries.length - shownEntries} more` : "";
      return new NotAStoreError(root, "foreign", `it has no blobs/ directory (it holds ${shown}${more})`, hint);
    }
  }
}

/** Throws NotAStoreError unless `root` holds a store. */
export async function requireStoreRoot(root: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  const state = await inspectStoreRoot(root, options);
  if (state.kind !== "store") throw notAStoreError(root, state);
}
