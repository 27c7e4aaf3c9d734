import { basename, join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { isTempName } from "./atomic-write.js";
import type { BlobSizes } from "./check-blobs.js";
import type { CheckLog } from "./check-report.js";
import { ReferenceWalk } from "./check-walk.js";
import { CorruptMetadataError } from "./errors.js";
import { listDir } from "./fs-util.js";
import { readHistoryAt } from "./history.js";
import type { Layout } from "./layout.js";
import { readRootAt } from "./roots.js";

/**
 * Roots and history records: each must parse, sit in the file its name or id maps to, and name
 * blobs the store has. Both are written durably, and only after the blobs they name were ingested
 * (and fsynced), so no crash leaves one naming a missing blob: that is lost content. A root also
 * vouches for everything its manifest reaches (the image exporter keeps every layer of an image it
 * stores); a history record only for its own results (see Origin.descendantsRequired).
 */
export async function checkReferences(layout: Layout, blobs: BlobSizes, log: CheckLog, signal: AbortSignal | undefined): Promise<void> {
  const walk = new ReferenceWalk(layout, blobs, log, signal);
  // Roots first: a blob both reach is then followed once, as required.
  for (const path of await recordFiles(layout.rootsDir)) {
    throwIfAborted(signal, "checking the content store");
    const entry = await readOrFault(log, path, () => readRootAt(path), "{ name, descriptor }");
    if (!entry) continue;
    const expected = layout.rootPath(entry.name);
    if (basename(expected) !== basename(path)) {
      log.fault({ code: "BAD_METADATA", path, message: `root record ${path} is for the name ${JSON.stringify(entry.name)}; expected it at ${expected}, where the store looks it up` });
    }
    const { digest } = entry.descriptor;
    const stillNames = async () => (await readRootAt(path).catch(() => undefined))?.descriptor.digest === digest;
    await walk.walk({ path, name: `root ${JSON.stringify(entry.name)}`, digest, descendantsRequired: true, stillNames }, entry.descriptor);
  }
  for (const path of await recordFiles(layout.historyDir)) {
    throwIfAborted(signal, "checking the content store");
    const record = await readOrFault(log, path, () => readHistoryAt(path), "{ id, createdAt, results, ... }");
    if (!record) continue;
    const expected = layout.historyPath(record.id);
    if (basename(expected) !== basename(path)) {
      log.fault({ code: "BAD_METADATA", path, message: `history record ${path} has the id ${JSON.stringify(record.id)}; expected it at ${expected}, where the store looks it up` });
    }
    for (const result of record.results) {
      const { digest } = result;
      const stillNames = async () => (await readHistoryAt(path).catch(() => undefined))?.results.some((d) => d.digest === digest) ?? false;
      await walk.walk({ path, name: `history record ${JSON.stringify(record.id)}`, digest, descendantsRequired: false, stillNames }, result);
    }
  }
  await walk.reportMissing();
}

/** The record files in a directory, as listHistory and listRoots see them (temp files are leftovers, see checkLeftovers). */
async function recordFiles(dir: string): Promise<string[]> {
  return (await listDir(dir))
    .filter((name) => name.endsWith(".json") && !isTempName(name))
    .sort()
    .map((name) => join(dir, name));
}

async function readOrFault<T>(log: CheckLog, path: string, read: () => Promise<T | undefined>, shape: string): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof CorruptMetadataError)) throw error;
    // gc stops on these rather than guess what the record held, so prune fails until it is fixed.
    log.fault({ code: "BAD_METADATA", path, message: `${error.message}; expected ${shape} as the store writes it` });
    return undefined;
  }
}
