import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { skipUnlessTools, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from "@exp/testing";
import { trials } from "../soak.js";
import { isBlobUpload, waitFor } from "../abort/support/requests.js";
import { writeContext } from "../abort/support/store.js";
import { gcExporters } from "./support/export-setup.js";
import { GcRecorder } from "./support/gc-recorder.js";
import { expectExportSurvivedGc } from "./support/verify-after-gc.js";

// Issue 8: GCs forced again and again while the finalizers push to a slow registry, reading
// their blobs from the store as they go: nothing they still have to send may be collected, while
// an unreferenced blob written before each GC is.

const LAYER_BYTES = 1536 * 1024;
/** The image and the cache each send the layer: ~6 s of finalize at this pace. */
const BYTES_PER_SECOND = 512 * 1024;

describe.skipIf(skipUnlessTools("docker-registry", "skopeo", "umoci"))("GC during the parallel finalize", () => {
  let registry: TestRegistry;
  let slow: FaultProxy;
  let dir: string;
  beforeAll(async () => {
    registry = await startRegistry();
    slow = await startFaultProxy({ target: registry.url, link: { bytesPerSecond: BYTES_PER_SECOND } });
    dir = await mkdtemp(join(tmpdir(), "exp-rel-gc-finalize-"));
  }, 60_000);
  afterAll(async () => {
    await slow?.stop();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("GCs while blobs upload: the exports succeed and verify, history stays whole, every unreferenced blob is collected", async () => {
    for (let trial = 0; trial < trials(1, 3); trial++) {
      slow.reset();
      const work = join(dir, `trial-${trial}`);
      const store = await openContentStore(join(work, "store"));
      const gc = new GcRecorder(store);
      const built = await buildImage({ context: await writeContext(join(work, "ctx"), LAYER_BYTES), store });
      const client = createRegistryClient({ limiters: new HostLimiters() });
      const name = `finalize-${trial}`;
      let finalizeStarted = 0;
      const exported = runExport({ source: built.source, ...gcExporters(slow.host, name), store, registry: client, betweenPhases: async () => void (finalizeStarted = Date.now()) });
      let exportEnded = 0;
      const settled = exported.finally(() => (exportEnded = Date.now()));
      try {
        await waitFor(() => slow.stats.log.some((e) => isBlobUpload(e) && e.endedAt === undefined), 30_000, "a blob upload in flight");
        // GC every 100 ms until the export is over (each GC is a few ms: the CPU stays modest).
        await gc.loop(settled, 100);
        const outcome = await exported;
        expect(outcome.response["containerimage.digest"]).toMatch(/^sha256:/);
      } finally {
        await settled.catch(() => undefined);
        await store.leases.release(built.lease);
        await client.close();
      }
      const during = gc.runs.filter((r) => r.start >= finalizeStarted && r.end <= exportEnded);
      // The uploads take seconds: many GCs really ran while the finalizers were reading the store.
      expect(during.length).toBeGreaterThanOrEqual(5);
      for (const run of gc.runs) expect(run.deleted).toContain(run.junk);

      await expectExportSurvivedGc({ registry, name, work, store, gc, deleted: gc.deletedBy(exportEnded) });
    }
  }, 120_000);
});
