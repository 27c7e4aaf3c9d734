import { spawn } from "node:child_process";
import { mkdir, readdir, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256, tempRoots } from "./__fixtures__/helpers.js";
import { fileNameFor } from "./names.js";
import { openContentStore } from "./store.js";
import { isPidAlive, tempOwnerPid, tempToken } from "./temp-files.js";

const roots = tempRoots();
afterEach(roots.cleanup);

/** The pid of a process that has exited (and been reaped), so it is certainly not alive. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("temp file names", () => {
  it("carry the owner's pid in every form the store uses", () => {
    const token = tempToken();
    expect(tempOwnerPid(token)).toBe(process.pid);
    expect(tempOwnerPid(`.tmp-${token}`)).toBe(process.pid);
    expect(tempOwnerPid(`.abc_json.${token}.tmp`)).toBe(process.pid);
    expect(tempOwnerPid("lease-abc")).toBeUndefined();
    expect(tempOwnerPid("sha256-00")).toBeUndefined();
  });

  it("isPidAlive tells a live process from a dead one", async () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(process.ppid)).toBe(true);
    expect(isPidAlive(await deadPid())).toBe(false);
  });

  it("fileNameFor is injective on tricky ids and never yields a hidden or nested name", () => {
    const ids = ["a/b", "a%2Fb", "a:b", "a.b", "a_b", ".", "..", "~x", "x".repeat(300), "x".repeat(301)];
    const names = ids.map(fileNameFor);
    expect(new Set(names).size).toBe(ids.length);
    for (const name of names) {
      expect(name).not.toMatch(/^\.|\//);
      expect(name.length).toBeLessThanOrEqual(200);
    }
  });
});

describe("gc housekeeping", () => {
  it("removes crashed writers' metadata temp files and interrupted lease operations, keeping live ones", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const dead = await deadPid();
    const stale = `${dead}-0123456789abcdef`;
    const mine = tempToken();
    await writeFile(join(root, "meta", "history", `.b1_json.${stale}.tmp`), "{");
    await writeFile(join(root, "meta", "history", `.b2_json.${mine}.tmp`), "{");
    await writeFile(join(root, "meta", "roots", `.r_json.${stale}.tmp`), "{");
    await mkdir(join(root, "meta", "leases", `.tmp-${stale}`, "resources"), { recursive: true });
    await mkdir(join(root, "meta", "trash", "half-removed", "resources"), { recursive: true });
    await writeFile(join(root, "ingest", stale), "partial");
    await writeFile(join(root, "ingest", mine), "in flight");

    const result = await store.gc();
    expect(result.removedIngests).toBe(1);
    expect(await readdir(join(root, "meta", "history"))).toEqual([`.b2_json.${mine}.tmp`]);
    expect(await readdir(join(root, "meta", "roots"))).toEqual([]);
    expect(await readdir(join(root, "meta", "leases"))).toEqual([]);
    expect(await readdir(join(root, "meta", "trash"))).toEqual([]);
    expect(await readdir(join(root, "ingest"))).toEqual([mine]);
    expect((await store.du()).ingestBytes).toBe("in flight".length);
  });

  it("removes blob records whose blob is gone, unless another process is mid-ingest", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const kept = await store.writeBlob("kept", { labels: { a: "1" } });
    const orphan = sha256("orphan");
    const orphanRecord = join(root, "meta", "blobs", "sha256", `${orphan.slice(7)}.json`);
    await writeFile(orphanRecord, JSON.stringify({ createdAt: new Date().toISOString(), labels: {} }));
    await store.roots.set("k", { mediaType: "x", digest: kept.digest, size: kept.size });

    // A live process other than us (our parent) has an ingest in flight: its record may be about to get its blob.
    const foreign = join(root, "ingest", `${process.ppid}-0123456789abcdef`);
    await writeFile(foreign, "");
    await store.gc();
    expect((await readdir(join(root, "meta", "blobs", "sha256"))).sort()).toEqual([`${kept.digest.slice(7)}.json`, `${orphan.slice(7)}.json`].sort());

    await unlink(foreign);
    await store.gc();
    expect(await readdir(join(root, "meta", "blobs", "sha256"))).toEqual([`${kept.digest.slice(7)}.json`]);
    expect((await store.info(kept.digest)).labels).toEqual({ a: "1" });
  });
});
