import { inspectStoreRoot, notAStoreError, openContentStore, type ContentStore } from "@exp/content";
import type { CliIO } from "../../io.js";
import { rootIsNamed, storeRoot, type StoreOptions } from "./store-options.js";

/** What to do about a root that holds no store (every store command but build says the same). */
export const notAStoreHint = "pass the --root (or set the EXP_ROOT) that exp build used; the first build creates the store";

/**
 * Opens the store for a command that only reads (du, history ls/inspect, image ls): read-only, so
 * nothing is created or tidied, whatever directory --root names. A named root that holds no store
 * is a NotAStoreError (ERR_STORE_NOT_FOUND, ERR_STORE_NOT_A_DIRECTORY, ERR_NOT_A_STORE) naming it.
 * Undefined when the default store does not exist yet: the caller shows an empty one.
 */
export function openStoreForReading(io: CliIO, options: StoreOptions): Promise<ContentStore | undefined> {
  return openExisting(io, options, { readOnly: true });
}

/**
 * Opens the store for a command that only removes (prune, image rm, history rm): it must exist
 * already (as for reading), and is never created; opening it tidies what dead writers left, as
 * every writable open does. Undefined when the default store does not exist yet.
 */
export function openStoreForRemoving(io: CliIO, options: StoreOptions): Promise<ContentStore | undefined> {
  return openExisting(io, options, { create: false });
}

async function openExisting(io: CliIO, options: StoreOptions, mode: { readOnly: true } | { create: false }): Promise<ContentStore | undefined> {
  const root = storeRoot(io, options);
  const state = await inspectStoreRoot(root, io.signal ? { signal: io.signal } : {});
  if (state.kind === "missing" && !rootIsNamed(io, options)) return undefined;
  if (state.kind !== "store") throw notAStoreError(root, state, notAStoreHint);
  return openContentStore(root, { ...mode, ...(io.signal ? { signal: io.signal } : {}) });
}
