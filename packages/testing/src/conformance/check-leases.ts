import { create, expectLeasesBack, release, withFixture } from "./harness.js";
import type { CheckRun } from "./harness.js";
import type { ConformanceOptions } from "./types.js";

/**
 * After finalize and the release of the descref/hold, the store's leases are exactly those alive
 * before the export: every lease the exporter took is either handed over (and so released) or
 * released by itself. A leaked lease keeps its content forever.
 */
export async function checkReleasesLeases(options: ConformanceOptions): Promise<void> {
  await withFixture("releases-its-leases", options, async (run: CheckRun) => {
    const created = await create(run, options);
    try {
      if (created.result.finalize) {
        try {
          await created.result.finalize({ signal: new AbortController().signal, progress: created.progress });
        } catch (error) {
          run.fail("finalize failed", error);
        }
      }
    } finally {
      await release(run, created);
    }
    await expectLeasesBack(run, "after finalize and the release of the descref/hold");
  });
}
