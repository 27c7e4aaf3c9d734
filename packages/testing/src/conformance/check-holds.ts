import { create, expectVerified, release, withFixture } from "./harness.js";
import type { CheckRun } from "./harness.js";
import type { ConformanceOptions } from "./types.js";

/**
 * Everything the exporter will upload or write is held by its descref/hold: a garbage collection
 * of the store between create and finalize (the fixture holds nothing else by then) loses
 * nothing, so finalize still succeeds and the artifact verifies. A descref's own descriptor must
 * survive it too.
 */
export async function checkHoldsWhatItWrites(options: ConformanceOptions): Promise<void> {
  await withFixture("holds-what-it-writes", options, async (run: CheckRun) => {
    const created = await create(run, options);
    try {
      await run.fixture.store.gc();
      const descriptor = created.result.descref?.descriptor;
      if (descriptor && !(await run.fixture.store.exists(descriptor.digest))) {
        run.fail(`a GC between create and finalize deleted the descref's own descriptor ${descriptor.digest}`);
      }
      if (created.result.finalize) {
        try {
          await created.result.finalize({ signal: new AbortController().signal, progress: created.progress });
        } catch (error) {
          run.fail("after a GC between create and finalize, finalize failed: what it needed was not held by its descref/hold", error);
        }
      }
      await expectVerified(run, options, "after a GC between create and finalize");
    } finally {
      await release(run, created);
    }
  });
}
