import { checkObeysAbort } from "./check-abort.js";
import { checkCreateCompletesNothing } from "./check-create-completes-nothing.js";
import { checkDelivers } from "./check-delivers.js";
import { checkHoldsWhatItWrites } from "./check-holds.js";
import { checkReleasesLeases } from "./check-leases.js";
import { checkReproducible } from "./check-reproducible.js";
import { checkRefusesUnknownAttrs } from "./check-unknown-attrs.js";
import type { ConformanceOptions } from "./types.js";

export interface ConformanceCheck {
  /** Stable name, also ConformanceError.check. */
  readonly name: string;
  /** The promise it checks, as a test title. */
  readonly title: string;
  /** False when the check means nothing for these options (e.g. create-completes-nothing for an exporter that writes in create). */
  applies(options: ConformanceOptions): boolean;
  /** Resolves when the exporter keeps the promise; rejects with a ConformanceError saying how it breaks it. */
  run(options: ConformanceOptions): Promise<void>;
}

const always = () => true;

/** Every check of the suite, in the order describeExporterConformance registers them. */
export const conformanceChecks: readonly ConformanceCheck[] = [
  { name: "refuses-unknown-attrs", title: "refuses an unknown attribute with ERR_UNKNOWN_OPTION naming it", applies: always, run: checkRefusesUnknownAttrs },
  { name: "delivers-verified", title: "after finalize, the artifact is at its destination and reads back verified", applies: always, run: checkDelivers },
  {
    name: "create-completes-nothing",
    title: "the create phase writes nothing to the destination (no upload before finalize), and a skipped finalize leaks no lease",
    applies: (options) => (options.writes ?? "finalize") === "finalize",
    run: checkCreateCompletesNothing,
  },
  { name: "holds-what-it-writes", title: "a GC between create and finalize loses nothing: the descref/hold covers what it writes", applies: always, run: checkHoldsWhatItWrites },
  { name: "releases-its-leases", title: "after finalize and release, every lease it took is gone", applies: always, run: checkReleasesLeases },
  { name: "obeys-abort", title: "aborted mid-way, it returns within the bound and leaves no partial artifact", applies: always, run: checkObeysAbort },
  { name: "reproducible", title: "two exports of one source give the same image digest", applies: (options) => options.reproducible === true, run: checkReproducible },
];

/** Runs every applicable check; resolves when all pass, else rejects with the first ConformanceError. */
export async function runConformance(options: ConformanceOptions): Promise<void> {
  for (const check of conformanceChecks) if (check.applies(options)) await check.run(options);
}
