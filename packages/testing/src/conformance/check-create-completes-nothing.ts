import { create, describeRequests, expectLeasesBack, isWrite, present, release, withFixture } from "./harness.js";
import type { CheckRun } from "./harness.js";
import type { ConformanceOptions } from "./types.js";

/**
 * The create phase does no network completion and delivers nothing: the server saw no write (no
 * blob upload, no PUT) and nothing of the artifact is at its destination before finalize is called.
 * Then finalize is skipped, as when a sibling exporter fails, and releasing the descref/hold alone
 * gives back every lease the export took. Only for exporters that write in finalize.
 */
export async function checkCreateCompletesNothing(options: ConformanceOptions): Promise<void> {
  await withFixture("create-completes-nothing", options, async (run: CheckRun) => {
    const mark = options.requests?.().length ?? 0;
    const created = await create(run, options);
    try {
      const writes = (options.requests?.() ?? []).slice(mark).filter((r) => isWrite(r.method));
      if (writes.length > 0) run.fail(`the create phase wrote to the server before finalize was called: ${describeRequests(writes)}`);
      const found = await present(options, run);
      if (found.length > 0) run.fail(`the artifact is at its destination before finalize was called: ${found.join(", ")}`);
    } finally {
      await release(run, created);
    }
    await expectLeasesBack(run, "with finalize skipped and the descref/hold released");
  });
}
