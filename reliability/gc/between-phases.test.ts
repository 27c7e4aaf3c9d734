import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { trials } from "../soak.js";
import { writeContext } from "../abort/support/store.js";
import { gcExporters } from "./support/export-setup.js";
import { GcRecorder } from "./support/gc-recorder.js";
import { expectExportSurvivedGc } from "./support/verify-after-gc.js";

// Issue 8: a GC forced between the create phase and the finalizers (runExport's betweenPhases
// hook, where exp itself may collect) deletes nothing an export is about to push or that history
// keeps, and still deletes an unreferenced blob written just before it.

describe.skipIf(skipUnlessTools("docker-registry", "skopeo", "umoci"))("GC between create and finalize", () => {
  let registry: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), "exp-rel-gc-between-"));
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the exports succeed and verify, history stays whole, and the unreferenced blob is collected", async () => {
    for (let trial = 0; trial < trials(1, 5); trial++) {
      const work = join(dir, `trial-${trial}`);
      const store = await openContentStore(join(work, "store"));
      const gc = new GcRecorder(store);
      const built = await buildImage({ context: await writeContext(join(work, "ctx"), 256 * 1024), store });
      const client = createRegistryClient({ limiters: new HostLimiters() });
      const name = `between-${trial}`;
      try {
        const outcome = await runExport({
          source: built.source,
          ...gcExporters(registry.host, name),
          store,
          registry: client,
          betweenPhases: async () => void (await gc.collect()),
        });
        expect(outcome.response["containerimage.digest"]).toMatch(/^sha256:/);
      } finally {
        await store.leases.release(built.lease);
        await client.close();
      }
      const [run] = gc.runs;
      expect(run!.deleted).toContain(run!.junk);
      expect(await store.exists(run!.junk)).toBe(false);

      await expectExportSurvivedGc({ registry, name, work, store, gc, deleted: new Set(run!.deleted) });
    }
  }, 120_000);
});
