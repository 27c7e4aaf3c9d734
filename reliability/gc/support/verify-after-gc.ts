import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import type { ContentStore } from "@exp/content";
import type { TestRegistry } from "@exp/testing";
import { leaseDirs } from "../../abort/support/store.js";
import { expectHistoryIntact } from "./export-setup.js";
import { intersect, type GcRecorder } from "./gc-recorder.js";
import { pullAndUnpack, verifyRepository } from "./registry-content.js";

/**
 * What every GC scenario asserts once its export is over: the image and its cache verify in the
 * registry and none of their blobs was among `deleted`; the pulled image holds the context's
 * file; a GC now still collects an unreferenced blob but keeps history whole; no lease is left.
 */
export async function expectExportSurvivedGc(options: {
  registry: TestRegistry;
  name: string;
  work: string;
  store: ContentStore;
  gc: GcRecorder;
  deleted: Set<string>;
}): Promise<void> {
  const { registry, name, work, store, gc, deleted } = options;
  const image = await verifyRepository(registry.url, `gc/${name}`, "v1");
  const cache = await verifyRepository(registry.url, `gc/${name}-cache`, "c1");
  expect(intersect([...image, ...cache], deleted)).toEqual([]);
  const rootfs = await pullAndUnpack(registry.host, `gc/${name}`, "v1", join(work, "pulled"));
  expect(await readFile(join(rootfs, "big.bin"))).toEqual(await readFile(join(work, "ctx", "big.bin")));
  const after = await gc.collect();
  expect(after.deleted).toContain(after.junk);
  expect(await expectHistoryIntact(store)).toEqual({ faults: [], missing: [], records: 1 });
  expect(await leaseDirs(store.root)).toEqual([]);
}
