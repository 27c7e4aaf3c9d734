import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { skipUnlessTools, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from "@exp/testing";
import { trials } from "../soak.js";
import { exitWithin, spawnExp, type ExpProcess } from "../abort/support/exp-process.js";
import { describeRequests } from "../abort/support/requests.js";
import { expStoreCheck, leaseDirs, writeContext } from "../abort/support/store.js";
import { verifyRepository } from "../gc/support/registry-content.js";
import { blobUploads, duplicates } from "./support/uploads.js";

// Issue 8: two `exp build` processes on the same store at once, pushing to the same repository
// through a slow link (so their uploads overlap in time). Both must succeed, the store must
// check clean, the pushed images must verify, and no blob's bytes may go to the repository twice.

const LAYER_BYTES = 1024 * 1024;
const BYTES_PER_SECOND = 512 * 1024;

describe.skipIf(skipUnlessTools("docker-registry"))("two exp builds on one store", () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let dir: string;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url, link: { bytesPerSecond: BYTES_PER_SECOND } });
    dir = await mkdtemp(join(tmpdir(), "exp-rel-concurrent-"));
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => proxy.reset());

  async function runTwo(work: string, contexts: [string, string], repository: string): Promise<void> {
    const root = join(work, "store");
    const procs: ExpProcess[] = contexts.map((context, i) =>
      spawnExp(["build", context, "--root", root, "--progress", "plain", "-o", `type=registry,name=${proxy.host}/${repository}:b${i}`], { home: work }),
    );
    try {
      const exits = await Promise.all(procs.map((p, i) => exitWithin(p, 90_000, `build ${i}`)));
      for (const exit of exits) expect(exit.code, exit.stderr.slice(-3000)).toBe(0);
    } finally {
      for (const p of procs) p.kill();
    }
    const uploads = blobUploads(proxy.stats.log);
    expect(duplicates(uploads), describeRequests(proxy.stats.log.filter((e) => e.method !== "HEAD" && e.method !== "GET"), proxy.stats.log[0]?.startedAt)).toEqual([]);
    for (const tag of ["b0", "b1"]) await verifyRepository(registry.url, repository, tag);
    const check = await expStoreCheck(root, work);
    expect(check.report.faults).toEqual([]);
    expect(check.code).toBe(0);
    expect(await leaseDirs(root)).toEqual([]);
    const store = await openContentStore(root);
    expect((await store.history.list()).map((h) => h.error)).toEqual([undefined, undefined]);
  }

  it("same context: both succeed, nothing corrupted, no blob sent twice to the repository", async () => {
    for (let trial = 0; trial < trials(1, 5); trial++) {
      proxy.reset();
      const work = join(dir, `same-${trial}`);
      const context = await writeContext(join(work, "ctx"), LAYER_BYTES);
      await runTwo(work, [context, context], `concurrent/same-${trial}`);
    }
  }, 150_000);

  it("overlapping contexts (a shared layer, one of their own each): the same guarantees", async () => {
    for (let trial = 0; trial < trials(1, 5); trial++) {
      proxy.reset();
      const work = join(dir, `overlap-${trial}`);
      const first = await writeContext(join(work, "ctx-0"), LAYER_BYTES);
      const second = join(work, "ctx-1");
      await mkdir(second);
      await copyFile(join(first, "big.bin"), join(second, "big.bin"));
      await copyFile(join(first, "Dockerfile"), join(second, "Dockerfile"));
      await writeFile(join(second, "small.txt"), `second ${trial}\n`);
      await runTwo(work, [first, second], `concurrent/overlap-${trial}`);
    }
  }, 150_000);
});
