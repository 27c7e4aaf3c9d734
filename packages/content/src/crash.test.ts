import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { filesUnder, tempRoots } from "./__fixtures__/helpers.js";
import { checkStore } from "./check.js";
import { openContentStore } from "./store.js";

const roots = tempRoots();
afterEach(roots.cleanup);

const here = dirname(fileURLToPath(import.meta.url));
const childScript = join(here, "__fixtures__", "slow-ingest-child.ts");
const packageDir = dirname(here);

/** Starts the child, waits until it has written ingest bytes, SIGKILLs it and waits for it to die. */
async function killMidIngest(root: string, options: { lease?: boolean; beforeKill?: () => Promise<void> } = {}): Promise<{ pid: number; tempFiles: string[] }> {
  const child = spawn(process.execPath, ["--conditions=@exp/source", "--import", "tsx", childScript, root, ...(options.lease ? ["lease"] : [])], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const pid = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /written (\d+)\n/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(({ code }) => reject(new Error(`child exited early with ${code}: ${stderr}`)));
  });
  // Still mid-ingest: its temp file is there, named after it.
  const tempFiles = await readdir(join(root, "ingest"));
  await options.beforeKill?.();
  child.kill("SIGKILL");
  expect((await exited).signal).toBe("SIGKILL");
  return { pid, tempFiles };
}

describe("a writer killed mid-ingest", () => {
  it("leaves no visible blob, and openContentStore cleans its temp file", async () => {
    const root = await roots.make();
    const { pid, tempFiles } = await killMidIngest(root);
    expect(tempFiles).toHaveLength(1);
    expect(tempFiles[0]).toMatch(new RegExp(`^${pid}-[0-9a-f]{16}$`));
    expect(await filesUnder(join(root, "blobs"))).toEqual([]);
    expect(await filesUnder(join(root, "meta", "blobs"))).toEqual([]);

    const store = await openContentStore(root);
    expect(await readdir(join(root, "ingest"))).toEqual([]);
    expect(await store.du()).toEqual({ blobs: 0, bytes: 0, reclaimableBlobs: 0, reclaimableBytes: 0, ingestBytes: 0 });
  });

  it("gc of an already open store removes the leftover too", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    await killMidIngest(root);
    const before = await store.du();
    expect(before.ingestBytes).toBeGreaterThan(0);
    expect(before.blobs).toBe(0);
    const result = await store.gc();
    expect(result.removedIngests).toBe(1);
    expect(result.deleted).toEqual([]);
    expect(await store.du()).toEqual({ blobs: 0, bytes: 0, reclaimableBlobs: 0, reclaimableBytes: 0, ingestBytes: 0 });
  });

  it("leaves a store that checkStore passes, noting the dead writer's temp file", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    await store.writeBlob("kept", { mediaType: "text/plain" });
    const { tempFiles } = await killMidIngest(root);
    const report = await checkStore(store);
    expect(report.faults).toEqual([]);
    expect(report.blobs).toBe(1);
    expect(report.notes).toEqual([expect.stringContaining(`temp files left by writers that died`)]);
    expect(report.notes[0]).toContain(tempFiles[0]);
  });

  it("a lease its holder never released holds its blobs while the holder lives, and nothing once it is killed", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const held = (await store.writeBlob("held by the child")).digest;
    // The parent wrote it without a lease: only the child's lease keeps it from GC.
    await killMidIngest(root, {
      lease: true,
      beforeKill: async () => {
        expect((await store.gc()).deleted).toEqual([]);
        expect(await store.exists(held)).toBe(true);
        expect(await store.leases.list()).toHaveLength(1);
      },
    });
    const result = await store.gc();
    expect(result.expiredLeases).toHaveLength(1);
    expect(result.deleted).toEqual([held]);
    expect(await store.leases.list()).toEqual([]);
  });
});
