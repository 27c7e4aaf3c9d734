import { create, release, withFixture } from "./harness.js";
import type { CheckRun } from "./harness.js";
import type { ConformanceOptions } from "./types.js";

/** Two create phases of one source report the same `containerimage.digest` (SOURCE_DATE_EPOCH clamps every time). */
export async function checkReproducible(options: ConformanceOptions): Promise<void> {
  await withFixture("reproducible", options, async (run: CheckRun) => {
    const first = await create(run, options);
    await release(run, first);
    const second = await create(run, options);
    await release(run, second);
    const a = first.result.response?.["containerimage.digest"];
    const b = second.result.response?.["containerimage.digest"];
    if (a === undefined) run.fail("the response has no containerimage.digest");
    if (a !== b) run.fail(`two exports of one source gave ${a} and ${String(b)}`);
  });
}
