// Lives in the `@exp/testing/vitest` entry: it extends vitest's TaskMeta, so it needs vitest's types.
import type {} from "vitest";

declare module "vitest" {
  interface TaskMeta {
    /** Why this test may skip; `scripts/run-tests.mjs` fails CI on any skip without it. */
    expectedSkip?: string;
  }
}

/** Test options that declare a skip as expected; `scripts/run-tests.mjs` reads `meta.expectedSkip`. */
export interface ExpectedSkipOptions {
  meta: { expectedSkip: string };
}

/**
 * Declares that the suite or test these options are given to may skip on purpose, and why:
 * `describe.skipIf(!soak)("the long trials", expectedSkip("the soak is opt-in: EXP_SOAK=1"), ...)`.
 * Under CI=true every other skipped test fails `pnpm test:ci`. A suite's meta reaches its tests.
 */
export function expectedSkip(reason: string): ExpectedSkipOptions {
  if (reason.trim() === "") throw new TypeError("expectedSkip needs a reason: say why skipping is fine, e.g. \"the soak is opt-in: EXP_SOAK=1\"");
  return { meta: { expectedSkip: reason } };
}
