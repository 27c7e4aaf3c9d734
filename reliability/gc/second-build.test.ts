import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { skipUnlessTools, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from "@exp/testing";
import { trials } from "../soak.js";
import { exitWithin, spawnExp, type ExpExit } from "../abort/support/exp-process.js";
import { isBlobUpload, waitFor } from "../abort/support/requests.js";
import { leaseDirs, writeContext } from "../abort/support/store.js";
import { expectHistoryIntact, gcExporters } from "./support/export-setup.js";
import { GcRecorder, intersect } from "./support/gc-recorder.js";
import { pullAndUnpack, verifyRepository } from "./support/registry-content.js";

// Issue 8: GC concurrently with a second build on the same store. Export A runs in this process,
// pushing slowly; meanwhile build B runs as another `exp` process on the same --root with an
// overlapping context (its big layer is A's: B finds A's compressed blob and reuses it, the case
// the in-process lock cannot cover), this process forces a GC every 100 ms, and `exp prune`
// processes collect too. Nothing either build needs may go; every unreferenced blob must.

const LAYER_BYTES = 1536 * 1024;
const BYTES_PER_SECOND = 384 * 1024;
const PRUNES = 3;

describe.skipIf(skipUnlessTools("docker-registry", "skopeo", "umoci"))("GC concurrently with a second build on the same store", () => {
  let registry: TestRegistry;
  let slow: FaultProxy;
  let dir: string;
  beforeAll(async () => {
    registry = await startRegistry();
    slow = await startFaultProxy({ target: registry.url, link: { bytesPerSecond: BYTES_PER_SECOND } });
    dir = await mkdtemp(join(tmpdir(), "exp-rel-gc-second-"));
  }, 60_000);
  afterAll(async () => {
    await slow?.stop();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("both builds succeed and verify, history stays whole, unreferenced blobs are collected", async () => {
    for (let trial = 0; trial < trials(1, 3); trial++) await secondBuildTrial(join(dir, `trial-${trial}`), `${trial}`);
  }, 300_000);

  async function secondBuildTrial(work: string, suffix: string): Promise<void> {
    slow.reset();
    const root = join(work, "store");
    const store = await openContentStore(root);
    const gc = new GcRecorder(store);
    const contextA = await writeContext(join(work, "ctx-a"), LAYER_BYTES);
    const contextB = join(work, "ctx-b");
    await mkdir(contextB);
    await copyFile(join(contextA, "big.bin"), join(contextB, "big.bin"));
    await copyFile(join(contextA, "Dockerfile"), join(contextB, "Dockerfile"));
    await writeFile(join(contextB, "small.txt"), "only in B\n");

    const built = await buildImage({ context: contextA, store });
    const client = createRegistryClient({ limiters: new HostLimiters() });
    const exported = runExport({ source: built.source, ...gcExporters(slow.host, `first-${suffix}`), store, registry: client });
    let exportEnded = 0;
    const settled = exported.finally(() => (exportEnded = Date.now()));
    const children: Array<{ kill(): void }> = [];
    let second: ExpExit;
    const prunes: ExpExit[] = [];
    try {
      await waitFor(() => slow.stats.log.some((e) => isBlobUpload(e) && e.endedAt === undefined), 30_000, "export A uploading");
      const b = spawnExp(
        ["build", contextB, "--root", root, "--progress", "plain", "-o", `type=registry,name=${registry.host}/gc/second-${suffix}:v1`, "--cache-to", `type=registry,ref=${registry.host}/gc/second-${suffix}-cache:c1,mode=max`],
        { home: work },
      );
      children.push(b);
      const bDone = exitWithin(b, 60_000, "build B");
      const pruning = (async () => {
        // Other processes collecting while A still needs its blobs (and while B builds, at first).
        for (let i = 0; i < PRUNES; i++) {
          const prune = spawnExp(["prune", "--force", "--root", root], { home: work });
          children.push(prune);
          prunes.push(await exitWithin(prune, 30_000, "exp prune"));
        }
      })();
      const [, , bExit] = await Promise.all([gc.loop(settled, 100), pruning, bDone]);
      second = bExit;
      await exported;
    } finally {
      for (const child of children) child.kill();
      await settled.catch(() => undefined);
      await store.leases.release(built.lease);
      await client.close();
    }

    expect(second.code, second.stderr.slice(-3000)).toBe(0);
    for (const prune of prunes) expect(prune.code, prune.stderr).toBe(0);
    expect(prunes[0]!.at).toBeLessThan(exportEnded); // at least one prune ran while A was exporting
    expect(gc.runs.filter((r) => r.start < second.at).length).toBeGreaterThanOrEqual(3);
    // Another process may take a junk blob first; this process's GCs took most of them.
    expect(gc.runs.filter((r) => r.deleted.includes(r.junk)).length).toBeGreaterThanOrEqual(gc.runs.length / 2);

    const imageA = await verifyRepository(registry.url, `gc/first-${suffix}`, "v1");
    const cacheA = await verifyRepository(registry.url, `gc/first-${suffix}-cache`, "c1");
    const imageB = await verifyRepository(registry.url, `gc/second-${suffix}`, "v1");
    await verifyRepository(registry.url, `gc/second-${suffix}-cache`, "c1");
    expect(intersect([...imageA, ...cacheA], gc.deletedBy(exportEnded))).toEqual([]);
    // B's image is in its lease and then in its history record: no GC at any time may take it.
    expect(intersect(imageB, gc.deletedBy(Infinity))).toEqual([]);
    const rootfs = await pullAndUnpack(registry.host, `gc/second-${suffix}`, "v1", join(work, "pulled"));
    expect(await readFile(join(rootfs, "big.bin"))).toEqual(await readFile(join(contextA, "big.bin")));
    expect(await readFile(join(rootfs, "small.txt"), "utf8")).toBe("only in B\n");

    const after = await gc.collect();
    expect(after.deleted).toContain(after.junk);
    for (const junk of gc.junk()) expect(await store.exists(junk)).toBe(false);
    expect(await expectHistoryIntact(store)).toEqual({ faults: [], missing: [], records: 2 });
    expect(await leaseDirs(root)).toEqual([]);
  }
});
