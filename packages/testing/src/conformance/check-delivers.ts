import { create, expectVerified, release, withFixture } from "./harness.js";
import type { CheckRun } from "./harness.js";
import type { ConformanceOptions } from "./types.js";

/**
 * One export, create then finalize: the artifact is at its destination and reads back verified
 * (the probe fetches it from the destination itself: the registry, the bucket, the file). An
 * exporter writing in finalize must return a finalize; an image-like one (`descref: true`) a
 * descref whose descriptor is in the store and is the `containerimage.digest` it reports.
 */
export async function checkDelivers(options: ConformanceOptions): Promise<void> {
  await withFixture("delivers-verified", options, async (run: CheckRun) => {
    const created = await create(run, options);
    try {
      const { result } = created;
      if ((options.writes ?? "finalize") === "finalize" && !result.finalize) run.fail("the create phase returned no finalize, so nothing is ever delivered");
      if (result.finalize) {
        try {
          await result.finalize({ signal: new AbortController().signal, progress: created.progress });
        } catch (error) {
          run.fail("finalize failed", error);
        }
      }
      await expectVerified(run, options, "after finalize");
      if (options.descref) {
        if (!result.descref) run.fail("the create phase returned no descref, though it made a root descriptor");
        const { digest } = result.descref.descriptor;
        if (!(await run.fixture.store.exists(digest))) run.fail(`the descref's descriptor ${digest} is not in the content store`);
        const reported = result.response?.["containerimage.digest"];
        if (reported !== undefined && reported !== digest) run.fail(`the response says containerimage.digest=${reported} but the descref holds ${digest}`);
      }
    } finally {
      await release(run, created);
    }
  });
}
