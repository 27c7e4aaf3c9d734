import type { HistoryRecord } from "@exp/content";
import { UsageError } from "../../errors.js";
import type { CliIO } from "../../io.js";
import { openStoreForRemoving } from "../store/open-store.js";
import { storeRoot, type StoreOptions } from "../store/store-options.js";
import { findRecord } from "./history-records.js";

export interface HistoryRmOptions extends StoreOptions {
  /** `--all`: every record (buildx's `history rm --all`). */
  all?: boolean;
}

/**
 * `exp history rm <id>...` and `exp history rm --all`: removes records (their blobs go at the next
 * `exp prune`). Every id is resolved before any record is removed, so a mistyped one removes nothing.
 */
export async function runHistoryRm(io: CliIO, ids: readonly string[], options: HistoryRmOptions): Promise<number> {
  // buildx's rules and words.
  if (ids.length === 0 && !options.all) throw new UsageError("history rm requires at least one build id, or --all");
  if (ids.length > 0 && options.all) throw new UsageError("history rm requires either --all or at least one build id, not both");
  const store = await openStoreForRemoving(io, options);
  const root = storeRoot(io, options);
  const signal = io.signal ? { signal: io.signal } : {};
  const records = new Map<string, HistoryRecord>();
  if (options.all) {
    for (const record of store ? await store.history.list(signal) : []) records.set(record.id, record);
  } else {
    for (const id of ids) {
      const record = await findRecord(store, root, id, io.signal);
      records.set(record.id, record);
    }
  }
  if (!store) return 0; // no store yet: --all has nothing to remove, and findRecord has thrown for an id
  for (const record of records.values()) {
    await store.history.delete(record.id, signal);
    io.stdout.write(`${record.id}\n`);
  }
  return 0;
}
