import { describe, expect, it } from "vitest";
import type { Holder, StoreUsage } from "@exp/content";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { collectPruneFilter, type PruneFilters } from "./prune-filters.js";
import { planPrune, type PruneSelection } from "./prune-plan.js";
import { bytesArg, formatLimit, keepBytes } from "./space-limits.js";

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}` as Digest;
const at = (hour: number) => new Date(Date.UTC(2025, 0, 1, hour));
const now = at(100).getTime();
const root = (name: string, hour: number, reaches: Digest[]): Holder => ({ kind: "root", name, descriptor: { mediaType: "x", digest: reaches[0] ?? d(9), size: 1 } as Descriptor, lastUsedAt: at(hour), reaches });

/**
 * d1 100B is in the image and cache record c1, d2 200B only in c1, d3 300B only in c2, d4 50B only
 * in history h1; c3 reaches only d1 (it frees nothing while the image is kept); the hashes nothing.
 */
const usage: StoreUsage = {
  blobs: [
    { digest: d(1), size: 100 },
    { digest: d(2), size: 200 },
    { digest: d(3), size: 300 },
    { digest: d(4), size: 50 },
    { digest: d(5), size: 7 },
  ],
  holders: [
    { kind: "history", id: "h1", createdAt: at(3), completedAt: at(3), reaches: [d(4)] },
    root("image/docker.io/library/app:1", 0, [d(1)]),
    root("exp.cache/c1", 1, [d(1), d(2)]),
    root("exp.cache/c2", 2, [d(3)]),
    root("exp.cache-image/c3", 0, [d(1)]),
    root("exp.hash-cache", 4, []),
  ],
  ingestBytes: 0,
};

const select = (selection: Partial<PruneSelection>): PruneSelection => ({ all: false, filters: {}, limits: {}, ...selection });
const ids = (selection: Partial<PruneSelection>, free = 0) => planPrune(usage, select(selection), now, free).records.map((r) => r.id);
const filters = (...values: string[]): PruneFilters => values.reduce<PruneFilters | undefined>((f, v) => collectPruneFilter(v, f), undefined) ?? {};

describe("planPrune", () => {
  it("removes no record without -a, a filter or a limit", () => {
    expect(planPrune(usage, select({}), now, 0)).toEqual({ records: [], inUse: [], history: [], roots: [] });
  });

  it("-a removes every build cache record, the hashes and history (least recently used first), never an image", () => {
    const plan = planPrune(usage, select({ all: true }), now, 0);
    expect(plan.records.map((r) => r.id)).toEqual(["exp.cache-image/c3", "exp.cache/c1", "exp.cache/c2", "h1", "exp.hash-cache"]);
    expect(plan.history).toEqual(["h1"]);
    // Each root with the digest it names now: one a build sets again meanwhile is kept.
    expect(plan.roots).toContainEqual({ name: "exp.cache/c1", digest: d(1), lastUsedAt: at(1) });
  });

  it("keeps cache records a running build may be using: read since the oldest live lease began", () => {
    const running: StoreUsage = { ...usage, holders: [...usage.holders, { kind: "lease", id: "build", createdAt: at(2), labels: {}, reaches: [] }] };
    const plan = planPrune(running, select({ all: true }), now, 0);
    // c2 was read at hour 2 and the hashes at hour 4, after the build began; h1 is history, never in use.
    expect(plan.inUse).toEqual(["exp.cache/c2", "exp.hash-cache"]);
    expect(plan.records.map((r) => r.id)).toEqual(["exp.cache-image/c3", "exp.cache/c1", "h1"]);
  });

  it("filters by type and by last use", () => {
    expect(ids({ filters: filters("type=regular") })).toEqual(["exp.cache-image/c3", "exp.cache/c1", "exp.cache/c2"]);
    expect(ids({ filters: filters("type!=regular") })).toEqual(["h1", "exp.hash-cache"]);
    // Used in the last 97h30m (after hour 2:30): h1 (hour 3) and the hashes (hour 4) stay.
    expect(ids({ filters: filters("until=97h30m") })).toEqual(["exp.cache-image/c3", "exp.cache/c1", "exp.cache/c2"]);
    expect(ids({ filters: filters("unused-for=98h", "type==source.local") })).toEqual([]);
  });

  it("under a limit, removes least recently used records until the store fits, skipping those that free nothing", () => {
    // In use: 650B (d5 is unreferenced, gc takes it anyway). c3 frees nothing (the image keeps d1);
    // c1 frees d2 (200B): 450B fits.
    const plan = planPrune(usage, select({ limits: { maxUsedSpace: 450 } }), now, 0);
    expect(plan.records.map((r) => r.id)).toEqual(["exp.cache/c1"]);
    expect(plan).toMatchObject({ keepBytes: 450, usedAfter: 450 });
    expect(ids({ limits: { maxUsedSpace: 449 } })).toEqual(["exp.cache/c1", "exp.cache/c2"]);
    // Never below what the image holds: everything that frees something goes, and the rest is reported.
    expect(planPrune(usage, select({ limits: { maxUsedSpace: 1 } }), now, 0)).toMatchObject({ usedAfter: 100 });
    expect(ids({ limits: { maxUsedSpace: 1 } })).toEqual(["exp.cache/c1", "exp.cache/c2", "h1"]);
    // --reserved-space keeps at least that much.
    expect(ids({ limits: { maxUsedSpace: 1, reservedSpace: 600 } })).toEqual(["exp.cache/c1"]);
    // --min-free-space: 100B free + 7B gc frees, 300B wanted: 193B must go.
    expect(ids({ limits: { minFreeSpace: 300 } }, 100)).toEqual(["exp.cache/c1"]);
    expect(ids({ limits: { minFreeSpace: 300 } }, 1000)).toEqual([]);
  });
});

describe("keepBytes (BuildKit's calculateKeepBytes)", () => {
  it.each([
    [{}, undefined],
    [{ maxUsedSpace: 500 }, 500],
    [{ reservedSpace: 300 }, 300],
    [{ maxUsedSpace: 100, reservedSpace: 300 }, 300],
    [{ minFreeSpace: 400 }, 800], // 200 free: 200 must go from 1000 used
    [{ minFreeSpace: 100 }, 1000], // enough free: keep everything
    [{ minFreeSpace: 400, maxUsedSpace: 600 }, 600],
    [{ minFreeSpace: 400, maxUsedSpace: 900 }, 800],
  ])("%o keeps %s of 1000 used with 200 free", (limits, expected) => {
    expect(keepBytes(limits, 1000, 200)).toBe(expected);
  });
});

describe("sizes", () => {
  it("reads docker's binary sizes and prints them back", () => {
    expect(bytesArg("10gb")).toBe(10 * 1024 ** 3);
    expect(bytesArg("512M")).toBe(512 * 1024 ** 2);
    expect(bytesArg("1.5KiB")).toBe(1536);
    expect(bytesArg("1000")).toBe(1000);
    expect(() => bytesArg("-1")).toThrow(/expected a size such as 10gb/);
    expect(formatLimit(10 * 1024 ** 3)).toBe("10GiB");
    expect(formatLimit(1000)).toBe("1000B");
  });
});
