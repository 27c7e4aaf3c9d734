import { resolveInstance, withTarget } from "./harness.js";
import type { ConformanceOptions } from "./types.js";

/** The attribute no exporter knows; close to no real name, so no "did you mean" turns it into one. */
export const UNKNOWN_ATTR = "conformance-no-such-attribute";

/**
 * `resolve()` accepts the valid attributes and refuses them plus an unknown one with a typed error
 * of stable code ERR_UNKNOWN_OPTION (what @exp/solver's AttrReader throws) naming the key: a typo
 * in `--output` must not be silently ignored, and a CI script must be able to tell it apart.
 */
export async function checkRefusesUnknownAttrs(options: ConformanceOptions): Promise<void> {
  await withTarget("refuses-unknown-attrs", options, (run) => {
    resolveInstance(run, options);
    let failure: unknown;
    try {
      options.exporter.resolve({ ...options.attrs(run.target), [UNKNOWN_ATTR]: "1" });
    } catch (error) {
      failure = error;
    }
    if (failure === undefined) run.fail(`resolve() accepted the unknown attribute ${UNKNOWN_ATTR}`);
    const code = (failure as { code?: unknown }).code;
    if (code !== "ERR_UNKNOWN_OPTION") run.fail(`resolve() refused the unknown attribute with code ${String(code)}, not ERR_UNKNOWN_OPTION`, failure);
    if (!(failure instanceof Error) || !failure.message.includes(UNKNOWN_ATTR)) run.fail("the error does not name the unknown attribute", failure);
  });
}
