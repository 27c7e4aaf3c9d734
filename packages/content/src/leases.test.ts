import { mkdir, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256, tempRoots } from "./__fixtures__/helpers.js";
import { CorruptMetadataError, InvalidNameError, LeaseExistsError, LeaseNotFoundError } from "./errors.js";
import { openContentStore } from "./store.js";

const roots = tempRoots();
afterEach(roots.cleanup);

async function open() {
  const root = await roots.make();
  return { root, store: await openContentStore(root) };
}

describe("leases", () => {
  it("create, get, list and release (idempotent)", async () => {
    const { store } = await open();
    const expiresAt = new Date(Date.now() + 3_600_000);
    const lease = await store.leases.create({ id: "pull-1", labels: { who: "test" }, expiresAt });
    expect(lease).toMatchObject({ id: "pull-1", labels: { who: "test" }, expiresAt });
    expect(await store.leases.get("pull-1")).toEqual(lease);
    const generated = await store.leases.create();
    expect(generated.id).toMatch(/^lease-/);
    expect(generated.expiresAt).toBeUndefined();
    expect((await store.leases.list()).map((l) => l.id).sort()).toEqual(["pull-1", generated.id].sort());

    await store.leases.release("pull-1");
    await store.leases.release("pull-1");
    expect(await store.leases.get("pull-1")).toBeUndefined();
    expect((await store.leases.list()).map((l) => l.id)).toEqual([generated.id]);
  });

  it("refuses a second live lease with the same id", async () => {
    const { store } = await open();
    await store.leases.create({ id: "dup" });
    const error = await store.leases.create({ id: "dup" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseExistsError);
    expect((error as LeaseExistsError).message).toContain('"dup"');
  });

  it("creating the same id concurrently yields exactly one lease", async () => {
    const { store } = await open();
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => store.leases.create({ id: "race" })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(LeaseExistsError);
  });

  it("tracks resources: add (idempotent), list, remove", async () => {
    const { store } = await open();
    const lease = await store.leases.create();
    const a = sha256("a");
    const b = sha256("b");
    await store.leases.addResource(lease.id, a);
    await store.leases.addResource(lease.id, { digest: b, mediaType: "application/vnd.oci.image.manifest.v1+json" });
    await store.leases.addResource(lease.id, a);
    expect((await store.leases.resources(lease.id)).sort()).toEqual([a, b].sort());
    await store.leases.removeResource(lease.id, a);
    await store.leases.removeResource(lease.id, a);
    expect(await store.leases.resources(lease.id)).toEqual([b]);
  });

  it("rejects resources for a lease that is gone", async () => {
    const { store } = await open();
    const lease = await store.leases.create();
    await store.leases.release(lease.id);
    const error = await store.leases.addResource(lease.id, sha256("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseNotFoundError);
    expect((error as LeaseNotFoundError).code).toBe("ERR_LEASE_NOT_FOUND");
    expect((error as LeaseNotFoundError).message).toContain(lease.id);
    await expect(store.leases.resources(lease.id)).rejects.toBeInstanceOf(LeaseNotFoundError);
  });

  it("treats an expired lease as not existing, and lets its id be reused", async () => {
    const { store } = await open();
    const expiresAt = new Date(Date.now() - 1000);
    await store.leases.create({ id: "old", expiresAt });
    expect(await store.leases.get("old")).toBeUndefined();
    expect(await store.leases.list()).toEqual([]);
    const error = await store.leases.addResource("old", sha256("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseNotFoundError);
    expect((error as Error).message).toContain(`expired at ${expiresAt.toISOString()}`);
    const fresh = await store.leases.create({ id: "old" });
    expect(await store.leases.get("old")).toEqual(fresh);
    await store.leases.addResource("old", sha256("x"));
  });

  it("accepts ids with path and URL characters without escaping the leases directory", async () => {
    const { root, store } = await open();
    const ids = ["build/1:x", "../../escape", ".hidden", "x".repeat(300), "ünïcode"];
    for (const id of ids) await store.leases.create({ id });
    expect((await store.leases.list()).map((l) => l.id).sort()).toEqual([...ids].sort());
    expect(await readdir(join(root, "meta", "leases"))).toHaveLength(ids.length);
    for (const id of ids) await store.leases.addResource(id, sha256(id));
    for (const id of ids) expect(await store.leases.resources(id)).toEqual([sha256(id)]);
    await expect(store.leases.create({ id: "" })).rejects.toBeInstanceOf(InvalidNameError);
  });
});

// Lease records are written without fsync (a lease dies with its holder), so a machine crash can
// leave one torn. Such a record was written before the current boot.
describe("leases torn by a crash", () => {
  const beforeThisBoot = new Date("2001-01-01T00:00:00Z");

  it("an unreadable record from before this boot counts as gone; gc removes it and what only it held", async () => {
    const { root, store } = await open();
    const torn = await store.leases.create({ id: "torn" });
    const held = await store.writeBlob("held by the torn lease", { lease: torn.id });
    const dir = join(root, "meta", "leases", "torn");
    await writeFile(join(dir, "lease.json"), "");
    await utimes(join(dir, "lease.json"), beforeThisBoot, beforeThisBoot);
    await utimes(dir, beforeThisBoot, beforeThisBoot);
    // The same for a lease directory whose record never reached the disk at all.
    const missing = await store.leases.create({ id: "missing" });
    await rm(join(root, "meta", "leases", "missing", "lease.json"));
    await utimes(join(root, "meta", "leases", "missing"), beforeThisBoot, beforeThisBoot);
    const live = await store.leases.create({ id: "live" });

    expect(await store.leases.get(torn.id)).toBeUndefined();
    expect(await store.leases.get(missing.id)).toBeUndefined();
    expect((await store.leases.list()).map((l) => l.id)).toEqual([live.id]);
    expect((await store.gc()).deleted).toEqual([held.digest]);
    expect(await readdir(join(root, "meta", "leases"))).toEqual([live.id]);
    // The id is free again.
    await store.leases.create({ id: "torn" });
  });

  it("an unreadable record written during this boot is corruption, and stops gc", async () => {
    const { root, store } = await open();
    const lease = await store.leases.create({ id: "bad" });
    const held = await store.writeBlob("maybe held", { lease: lease.id });
    await writeFile(join(root, "meta", "leases", "bad", "lease.json"), "{ truncated");
    await expect(store.leases.list()).rejects.toBeInstanceOf(CorruptMetadataError);
    await expect(store.gc()).rejects.toBeInstanceOf(CorruptMetadataError);
    expect(await store.exists(held.digest)).toBe(true);
    // A lease directory from this boot without its record is left alone (it cannot come from a crash).
    await rm(join(root, "meta", "leases", "bad"), { recursive: true });
    await mkdir(join(root, "meta", "leases", "odd", "resources"), { recursive: true });
    expect((await store.gc()).deleted).toEqual([held.digest]);
    expect(await readdir(join(root, "meta", "leases"))).toEqual(["odd"]);
  });
});
