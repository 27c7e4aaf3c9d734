import { createHash } from "node:crypto";
import { mkdir, open, rename, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { isTempName, tempPathFor, writeFileAtomic } from "./atomic-write.js";
import { currentBoot, sameBoot } from "./boot.js";
import { CorruptMetadataError } from "./errors.js";
import { hasCode, isNotFound, listDir, mapLimit, removeFile } from "./fs-util.js";
import type { Layout } from "./layout.js";
import type { KeyedMutex } from "./lock.js";
import { digestFileName, digestFromFileName } from "./names.js";
import { readJsonRecord, recordLabels } from "./records.js";
import { isPidAlive, removeStaleTempFiles, tempOwnerPid } from "./temp-files.js";

// The label index: meta/labels/<sha256(key)>/<sha256(value)>/<alg>-<hex>, one empty file (a
// "hint") per blob whose record carries that label, so findByLabel(key, value) reads one directory
// instead of every blob's record. Key and value are hashed so any string makes a safe file name.
//
// The blob's record in meta/blobs is the truth and a hint only says "look at this blob":
//
//  * Writer (updateBlobMeta, under the per-digest mutex): create the hints of every label of the
//    new record, write the record, create them again, then remove the hints of labels it dropped
//    or changed. Because they are created first, a crash can leave a hint whose label is gone
//    (stale, which readers drop) but never a label without its hint.
//  * Remover (a writer dropping a label, blob deletion, gc, a reader dropping a stale hint): park
//    the hint under a temp name by rename, re-read the record, and put the hint back if the record
//    carries the label after all; then delete the parked name.
//  * Reader (findByLabel): list the directory — parked names count as hints — and confirm every
//    blob against its record and blobs/.
//
// Within a process the per-digest mutex serialises all of these for one blob. Across processes
// (no lock) the second create and the re-read are what keep hints from going missing: let W be the
// last writer of a blob's record and (k, v) one of its labels. W creates the hint after writing
// the record. A remover that takes the hint away after that parks it first and then reads the
// record — necessarily W's — sees (k, v) and puts the hint back. Until then it is parked, and
// readers count parked names.
//
// Durability: hints are never fsynced; see ensureLabelIndex for why a crash cannot lose one.

/** The name of a label key or value in the index. */
export function labelHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

const hashName = /^[0-9a-f]{64}$/;
const MARKER_VERSION = 1;
/** How many records a rebuild reads at once. */
const REBUILD_CONCURRENCY = 16;
/** How often ensureHint makes its directory again when a concurrent gc keeps removing it. */
const MAX_ATTEMPTS = 20;
/** How many value directories findByLabel(key) lists at once. */
const LIST_CONCURRENCY = 16;
/** How many value directories gc's sweep works on at once. */
const SWEEP_CONCURRENCY = 8;

export interface Hint {
  digest: Digest;
  keyHash: string;
  valueHash: string;
  /** Held under a temp name by a remover (maybe one that crashed): still a hint. */
  parked: boolean;
}

function hintPath(layout: Layout, keyHash: string, valueHash: string, digest: Digest): string {
  return join(layout.labelValueDir(keyHash, valueHash), digestFileName(digest));
}

/** The blob a name in a value directory refers to: `<alg>-<hex>`, or a parked `.<alg>-<hex>.<pid>-<random>.tmp`. */
function parseHintName(name: string): { digest: Digest; parked: boolean } | undefined {
  if (isTempName(name)) {
    const end = name.indexOf(".", 1);
    const digest = end > 1 ? digestFromFileName(name.slice(1, end)) : undefined;
    return digest === undefined ? undefined : { digest, parked: true };
  }
  const digest = digestFromFileName(name);
  return digest === undefined ? undefined : { digest, parked: false };
}

/**
 * Creates the hint unless it exists; true when this call created it. Not fsynced (see
 * ensureLabelIndex). Retries when a gc (here or in another process) removes the key or value
 * directory while it is still empty, between our mkdir and create.
 */
async function ensureHint(layout: Layout, keyHash: string, valueHash: string, digest: Digest): Promise<boolean> {
  const path = hintPath(layout, keyHash, valueHash, digest);
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await open(path, "wx", 0o644);
      await handle.close();
      return true;
    } catch (error) {
      if (hasCode(error, "EEXIST")) return false;
      if (!isNotFound(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
    try {
      await mkdir(layout.labelValueDir(keyHash, valueHash), { recursive: true });
    } catch (error) {
      if (!isNotFound(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Creates the hints of every label in `labels`. */
export async function addLabelHints(layout: Layout, digest: Digest, labels: Record<string, string>): Promise<void> {
  await Promise.all(Object.entries(labels).map(([key, value]) => ensureHint(layout, labelHash(key), labelHash(value), digest)));
}

/**
 * Removes the hints of `labels` for the blob, except those its record (re-read after parking the
 * hints) still carries. Call it with the blob's per-digest mutex held.
 */
export async function removeLabelHints(layout: Layout, digest: Digest, labels: Iterable<[string, string]>): Promise<void> {
  await removeHints(
    layout,
    digest,
    [...labels].map(([key, value]) => ({ keyHash: labelHash(key), valueHash: labelHash(value) })),
  );
}

/** Parks every hint, reads the record once, then puts back what it carries and deletes the parked names. */
async function removeHints(layout: Layout, digest: Digest, hints: Array<{ keyHash: string; valueHash: string }>): Promise<void> {
  const parked: Array<{ keyHash: string; valueHash: string; path: string }> = [];
  for (const { keyHash, valueHash } of hints) {
    const path = hintPath(layout, keyHash, valueHash, digest);
    const temp = tempPathFor(path);
    try {
      await rename(path, temp);
      parked.push({ keyHash, valueHash, path: temp });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  if (parked.length === 0) return;
  let carried: (keyHash: string, valueHash: string) => boolean = () => true; // unreadable: keep them all
  try {
    carried = await recordLabelTest(layout, digest);
  } finally {
    for (const hint of parked) await settleParked(layout, hint.keyHash, hint.valueHash, digest, hint.path, carried(hint.keyHash, hint.valueHash));
  }
}

/** Puts a parked hint back (renamed over one a writer may have created meanwhile: both are empty) when `keep`, else deletes it. */
async function settleParked(layout: Layout, keyHash: string, valueHash: string, digest: Digest, parked: string, keep: boolean): Promise<void> {
  if (!keep) {
    await removeFile(parked);
    return;
  }
  try {
    await rename(parked, hintPath(layout, keyHash, valueHash, digest));
  } catch (error) {
    // Another process (a gc settling the leftover of a crashed remover) got here first.
    if (!isNotFound(error)) throw error;
  }
}

/** A test for "the blob's record has a label hashing to (keyHash, valueHash)". A corrupt record says yes to all. */
async function recordLabelTest(layout: Layout, digest: Digest): Promise<(keyHash: string, valueHash: string) => boolean> {
  let labels: Record<string, string>;
  try {
    const path = layout.blobMetaPath(digest);
    const record = await readJsonRecord(path);
    if (!record) return () => false;
    labels = recordLabels(path, record.labels);
  } catch (error) {
    if (error instanceof CorruptMetadataError) return () => true;
    throw error;
  }
  const present = new Set(Object.entries(labels).map(([key, value]) => `${labelHash(key)}/${labelHash(value)}`));
  return (keyHash, valueHash) => present.has(`${keyHash}/${valueHash}`);
}

/**
 * Every hint for the label `key` (any value when `valueHash` is undefined). Hints are leads, not
 * answers: the caller confirms each against the blob's record.
 */
export async function listHints(layout: Layout, key: string, value: string | undefined, signal?: AbortSignal): Promise<Hint[]> {
  const keyHash = labelHash(key);
  const valueHashes = value === undefined ? (await listDir(join(layout.labelsDir, keyHash))).filter((name) => hashName.test(name)) : [labelHash(value)];
  const perValue = await mapLimit(valueHashes, LIST_CONCURRENCY, async (valueHash) => {
    throwIfAborted(signal, "findByLabel");
    const hints: Hint[] = [];
    for (const name of await listDir(layout.labelValueDir(keyHash, valueHash))) {
      const parsed = parseHintName(name);
      if (parsed) hints.push({ ...parsed, keyHash, valueHash });
    }
    return hints;
  });
  return perValue.flat();
}

/** Every hint in the index (parked ones included) with its file, for the store check. Read-only. */
export async function listAllHints(layout: Layout, signal?: AbortSignal): Promise<Array<Hint & { path: string }>> {
  const hints: Array<Hint & { path: string }> = [];
  for (const keyHash of (await listDir(layout.labelsDir)).sort()) {
    if (!hashName.test(keyHash)) continue;
    for (const valueHash of (await listDir(join(layout.labelsDir, keyHash))).sort()) {
      if (!hashName.test(valueHash)) continue;
      throwIfAborted(signal, "listing the label index");
      const dir = layout.labelValueDir(keyHash, valueHash);
      for (const name of (await listDir(dir)).sort()) {
        const parsed = parseHintName(name);
        if (parsed) hints.push({ ...parsed, keyHash, valueHash, path: join(dir, name) });
      }
    }
  }
  return hints;
}

/**
 * Drops a hint that a reader found stale (the blob's record lacks the label). Parked hints belong
 * to a remover still at work, or to a crashed one that gc settles.
 */
export async function dropStaleHint(layout: Layout, mutex: KeyedMutex, hint: Hint): Promise<void> {
  if (hint.parked) return;
  await mutex.run(hint.digest, () => removeHints(layout, hint.digest, [hint]));
}

/**
 * Makes sure the index is complete before the store is used: unless the marker says the index was
 * completed during the running boot, (re)creates the hint of every label of every record, then
 * writes the marker. This covers a store from before the index existed, and a machine crash.
 *
 * Why hints need no fsync: the writer creates a hint before it writes (and fsyncs) the record, so
 * while the machine runs, every process sees the hint whenever it sees the record — visibility,
 * not durability. Only a machine crash can lose an unsynced hint while its record survives, and a
 * crash means a new boot, so the marker (which names the boot it was written in) no longer matches
 * and the first open after the reboot rebuilds. The marker itself needs no fsync for the same
 * reason. The price is one scan of the records per boot, instead of one per findByLabel.
 */
export async function ensureLabelIndex(layout: Layout, signal?: AbortSignal): Promise<void> {
  const boot = await currentBoot();
  if (await markerMatches(layout, boot)) return;
  await rebuildLabelIndex(layout, signal);
  await mkdir(layout.labelsDir, { recursive: true });
  await writeFileAtomic(layout.labelIndexMarker, JSON.stringify({ version: MARKER_VERSION, boot }) + "\n", { durable: false, signal });
}

/** Whether the marker says the index was completed in the running boot (if not, the next open rebuilds it). */
export async function labelIndexComplete(layout: Layout): Promise<boolean> {
  return markerMatches(layout, await currentBoot());
}

async function markerMatches(layout: Layout, boot: string): Promise<boolean> {
  try {
    const marker = await readJsonRecord(layout.labelIndexMarker);
    return marker?.version === MARKER_VERSION && sameBoot(marker.boot, boot);
  } catch (error) {
    if (error instanceof CorruptMetadataError) return false; // rewritten after the rebuild
    throw error;
  }
}

/** Creates the hints of every record's labels. Only adds: a stale hint is harmless, and readers drop it. */
async function rebuildLabelIndex(layout: Layout, signal: AbortSignal | undefined): Promise<void> {
  const digests = await listRecordedDigests(layout);
  await mapLimit(digests, REBUILD_CONCURRENCY, async (digest) => {
    throwIfAborted(signal, "rebuilding the label index");
    const path = layout.blobMetaPath(digest);
    let labels: Record<string, string>;
    try {
      const record = await readJsonRecord(path);
      if (!record) return; // deleted meanwhile
      labels = recordLabels(path, record.labels);
    } catch (error) {
      // Reported by whoever reads the blob's record; a corrupt record has no labels to index.
      if (error instanceof CorruptMetadataError) return;
      throw error;
    }
    await addLabelHints(layout, digest, labels);
  });
}

/** Digests that have a record in meta/blobs (whether or not the blob exists). */
export async function listRecordedDigests(layout: Layout): Promise<Digest[]> {
  const digests: Digest[] = [];
  for (const algorithm of await listDir(layout.blobMetaDir)) {
    for (const name of await listDir(join(layout.blobMetaDir, algorithm))) {
      if (!name.endsWith(".json") || isTempName(name)) continue;
      // A file name that is not a digest is not ours to judge.
      const digest = digestFromFileName(`${algorithm}-${name.slice(0, -".json".length)}`);
      if (digest !== undefined) digests.push(digest);
    }
  }
  return digests;
}

/**
 * GC's pass over the index: removes the hints of blobs that have no record any more (deleted by a
 * process that crashed before its hint cleanup), settles hints parked by crashed removers, removes
 * crashed writers' marker temp files and empty directories. Hints whose blob has a record but no
 * longer that label are left to findByLabel, which drops them when it meets them: finding them
 * here would mean reading every record. Safe against concurrent writers: every removal goes
 * through the park-and-recheck protocol, and ensureHint recreates a directory removed under it.
 */
export async function sweepLabelIndex(layout: Layout, mutex: KeyedMutex, signal?: AbortSignal): Promise<void> {
  const recorded = new Set<string>(await listRecordedDigests(layout));
  await removeStaleTempFiles(layout.labelsDir, isTempName);
  for (const keyHash of await listDir(layout.labelsDir)) {
    if (!hashName.test(keyHash)) continue;
    const keyDir = join(layout.labelsDir, keyHash);
    const valueHashes = (await listDir(keyDir)).filter((name) => hashName.test(name));
    const emptied = await mapLimit(valueHashes, SWEEP_CONCURRENCY, async (valueHash) => {
      throwIfAborted(signal, "gc");
      const valueDir = join(keyDir, valueHash);
      let remaining = 0;
      for (const name of await listDir(valueDir)) {
        const parsed = parseHintName(name);
        if (parsed === undefined) {
          remaining++;
          continue;
        }
        const { digest } = parsed;
        if (parsed.parked) {
          const pid = tempOwnerPid(name);
          if (pid === undefined || isPidAlive(pid)) {
            remaining++;
            continue;
          }
          await mutex.run(digest, async () => {
            const carried = await recordLabelTest(layout, digest);
            await settleParked(layout, keyHash, valueHash, digest, join(valueDir, name), carried(keyHash, valueHash));
          });
          remaining++; // maybe put back; the next gc finds out
        } else if (recorded.has(digest)) {
          remaining++;
        } else {
          await mutex.run(digest, () => removeHints(layout, digest, [{ keyHash, valueHash }]));
        }
      }
      // A writer in another process may be adding a hint right now: rmdir fails on a non-empty
      // directory, and ensureHint makes the directory again if it went away under it.
      return remaining === 0 && (await removeEmptyDir(valueDir));
    });
    if (emptied.length === valueHashes.length && emptied.every(Boolean)) await removeEmptyDir(keyDir);
  }
}

/** rmdir; false when the directory is not empty (or already gone). */
async function removeEmptyDir(dir: string): Promise<boolean> {
  try {
    await rmdir(dir);
    return true;
  } catch (error) {
    if (!hasCode(error, "ENOTEMPTY", "EEXIST", "ENOENT")) throw error;
    return false;
  }
}
