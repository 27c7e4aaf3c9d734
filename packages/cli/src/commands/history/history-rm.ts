import type { CliIO } from "../../io.js";
import { openStoreForRemoving } from "../store/open-store.js";
import { storeRoot, type StoreOptions } from "../store/store-options.js";
import { findRecord } from "./history-records.js";

/**
 * `exp history rm <id>...`: removes records (their blobs go at the next `exp prune`). Every id is
 * resolved before any record is removed, so a mistyped one removes nothing.
 */
export async function runHistoryRm(io: CliIO, ids: readonly string[], options: StoreOptions): Promise<number> {
  const store = await openStoreForRemoving(io, options);
  const root = storeRoot(io, options);
  const records = new Map<string, Awaited<ReturnType<typeof findRecord>>>();
  for (const id of ids) {
    const record = await findRecord(store, root, id);
    records.set(record.id, record);
  }
  if (!store) return 0; // findRecord has thrown: a store that does not exist has no records
  for (const record of records.values()) {
    await store.history.delete(record.id, io.signal ? { signal: io.signal } : {});
    io.stdout.write(`${record.id}\n`);
  }
  return 0;
}
