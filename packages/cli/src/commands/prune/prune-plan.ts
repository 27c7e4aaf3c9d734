import { holderLastUsed, type Holder, type RootRemoval, type StoreUsage } from "@exp/content";
import type { Digest } from "@exp/oci-spec";
import { holderId, holderKind, isPrunableKind, prunableKinds, type PrunableKind } from "../store/holder-kinds.js";
import { filtersSelect, type PruneFilters } from "./prune-filters.js";
import { hasLimit, keepBytes, type SpaceLimits } from "./space-limits.js";

/** What `exp prune` was asked to remove besides what nothing references. */
export interface PruneSelection {
  all: boolean;
  filters: PruneFilters;
  limits: SpaceLimits;
}

/** A build cache record, the file hashes or a build record that prune removes. */
export interface PrunedRecord {
  type: PrunableKind;
  /** A history id, or the root name of a cache record. */
  id: string;
  lastUsedAt: Date;
}

export interface PrunePlan {
  records: PrunedRecord[];
  /** Cache records a running build may be using (read since the oldest live lease began): kept, as BuildKit keeps records in use. */
  inUse: string[];
  history: string[];
  /**
   * Each with the digest it named and when it was last used when planned: a root a build sets
   * again or reads meanwhile is kept.
   */
  roots: RootRemoval[];
  /** With a space limit: the bytes the limits let the store keep, and what it will use after. */
  keepBytes?: number;
  usedAfter?: number;
}

/** Whether prune removes records at all: bare `exp prune` only removes what nothing references. */
export function removesRecords(selection: PruneSelection): boolean {
  return selection.all || selection.filters.until !== undefined || selection.filters.type !== undefined || hasLimit(selection.limits);
}

/**
 * The records prune removes, from what holds what. Without a space limit: every record the
 * filters select (all of them for `-a`), except cache records a running build may be using. With one: the selected records least recently used first,
 * until what the store would use (once gc has run) fits the limits; a record whose every blob is
 * also held by something prune keeps (an image, a running build, a record the filters spare) is
 * skipped, since removing it would free nothing and only lose cache.
 */
export function planPrune(usage: StoreUsage, selection: PruneSelection, now: number, freeBytes: number): PrunePlan {
  if (!removesRecords(selection)) return { records: [], inUse: [], history: [], roots: [] };
  const selected = usage.holders
    .map((holder) => ({ holder, kind: holderKind(holder), lastUsedAt: holderLastUsed(holder) }))
    .filter((c): c is { holder: Holder; kind: PrunableKind; lastUsedAt: Date } => isPrunableKind(c.kind) && filtersSelect(selection.filters, c.kind, c.lastUsedAt, now));
  // A build holds a lease from its start, and reads (so marks used) the cache records it hits
  // before it adds their layers to that lease: a record read since the oldest live lease began may
  // be one a running build is about to rely on. (History records are only written, at a build's end.)
  const runningSince = Math.min(...usage.holders.flatMap((h) => (h.kind === "lease" ? [h.createdAt.getTime()] : [])));
  const inUse = (c: (typeof selected)[number]) => c.holder.kind === "root" && c.lastUsedAt.getTime() >= runningSince;
  const candidates = selected
    .filter((c) => !inUse(c))
    .sort((a, b) => a.lastUsedAt.getTime() - b.lastUsedAt.getTime() || prunableKinds.indexOf(a.kind) - prunableKinds.indexOf(b.kind) || compare(holderId(a.holder), holderId(b.holder)));

  const sizes = new Map<Digest, number>(usage.blobs.map((b) => [b.digest, b.size]));
  const holdersOf = new Map<Digest, number>();
  for (const holder of usage.holders) for (const digest of holder.reaches) holdersOf.set(digest, (holdersOf.get(digest) ?? 0) + 1);
  let used = 0;
  for (const [digest, count] of holdersOf) if (count > 0) used += sizes.get(digest) ?? 0;
  const unreferenced = usage.blobs.reduce((n, b) => n + (holdersOf.has(b.digest) ? 0 : b.size), 0);
  const keep = keepBytes(selection.limits, used, freeBytes + unreferenced);

  const chosen: typeof candidates = [];
  if (keep === undefined) {
    chosen.push(...candidates);
  } else {
    const candidateSet = new Set(candidates.map((c) => c.holder));
    const keptReach = new Set<Digest>();
    for (const holder of usage.holders) if (!candidateSet.has(holder)) for (const digest of holder.reaches) keptReach.add(digest);
    for (const candidate of candidates) {
      if (used <= keep) break;
      if (candidate.holder.reaches.every((digest) => keptReach.has(digest))) continue;
      chosen.push(candidate);
      for (const digest of candidate.holder.reaches) {
        const left = holdersOf.get(digest)! - 1;
        holdersOf.set(digest, left);
        if (left === 0) used -= sizes.get(digest) ?? 0;
      }
    }
  }
  return {
    records: chosen.map((c) => ({ type: c.kind, id: holderId(c.holder), lastUsedAt: c.lastUsedAt })),
    inUse: selected.filter(inUse).map((c) => holderId(c.holder)),
    history: chosen.flatMap((c) => (c.holder.kind === "history" ? [c.holder.id] : [])),
    roots: chosen.flatMap((c) => (c.holder.kind === "root" ? [{ name: c.holder.name, digest: c.holder.descriptor.digest, lastUsedAt: c.lastUsedAt }] : [])),
    ...(keep === undefined ? {} : { keepBytes: keep, usedAfter: used }),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
