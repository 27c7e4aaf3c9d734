import type { Digest } from "@exp/oci-spec";
import type { Holder, StoreUsage } from "./usage.js";

/** The blobs a group of holders reaches, and how many of them no other group reaches. */
export interface UsageGroup {
  key: string;
  /** How many holders are in the group. */
  holders: number;
  blobs: number;
  bytes: number;
  /** Reached by this group and no other: what removing the whole group would let gc reclaim. */
  uniqueBlobs: number;
  uniqueBytes: number;
  /** The latest use of any holder in the group (see holderLastUsed). */
  lastUsedAt: Date;
}

export interface UsageAttribution {
  /** In the order their first holder appears in the usage. */
  groups: UsageGroup[];
  total: { blobs: number; bytes: number };
  /** Reached by no holder: what gc deletes. */
  unreferenced: { blobs: number; bytes: number };
}

/** When a holder was last used: a root's last set or read, a history record's completion, a lease's creation. */
export function holderLastUsed(holder: Holder): Date {
  switch (holder.kind) {
    case "root":
      return holder.lastUsedAt;
    case "history":
      return holder.completedAt ?? holder.createdAt;
    case "lease":
      return holder.createdAt;
  }
}

/**
 * Sums the usage by group (`groupOf` names each holder's group: an image name, "build cache"…). A
 * blob reached by several groups counts in each group's size, and in no group's unique size, so
 * the unique sizes and the unreferenced bytes never add up to more than the total.
 */
export function attributeUsage(usage: StoreUsage, groupOf: (holder: Holder) => string): UsageAttribution {
  const sizes = new Map<Digest, number>(usage.blobs.map((b) => [b.digest, b.size]));
  const members = new Map<string, { holders: number; digests: Set<Digest>; lastUsedAt: Date }>();
  for (const holder of usage.holders) {
    const key = groupOf(holder);
    let group = members.get(key);
    if (!group) {
      group = { holders: 0, digests: new Set(), lastUsedAt: new Date(0) };
      members.set(key, group);
    }
    group.holders++;
    for (const digest of holder.reaches) group.digests.add(digest);
    const used = holderLastUsed(holder);
    if (used.getTime() > group.lastUsedAt.getTime()) group.lastUsedAt = used;
  }
  const groupsReaching = new Map<Digest, number>();
  for (const { digests } of members.values()) for (const digest of digests) groupsReaching.set(digest, (groupsReaching.get(digest) ?? 0) + 1);
  const size = (digest: Digest) => sizes.get(digest) ?? 0;

  const groups: UsageGroup[] = [...members].map(([key, group]) => {
    const unique = [...group.digests].filter((d) => groupsReaching.get(d) === 1);
    return {
      key,
      holders: group.holders,
      blobs: group.digests.size,
      bytes: sum([...group.digests].map(size)),
      uniqueBlobs: unique.length,
      uniqueBytes: sum(unique.map(size)),
      lastUsedAt: group.lastUsedAt,
    };
  });
  const unreferenced = usage.blobs.filter((b) => !groupsReaching.has(b.digest));
  return {
    groups,
    total: { blobs: usage.blobs.length, bytes: sum(usage.blobs.map((b) => b.size)) },
    unreferenced: { blobs: unreferenced.length, bytes: sum(unreferenced.map((b) => b.size)) },
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
