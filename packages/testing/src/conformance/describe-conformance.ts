import { describe, it } from "vitest";
import { conformanceChecks } from "./checks.js";
import type { ConformanceOptions } from "./types.js";

/**
 * Registers the conformance suite as vitest tests, one per applicable check, in a describe block
 * named after the exporter. Call it at the top level of a test file (servers the options use can
 * be started in beforeAll: the options' functions are only called when the tests run).
 */
export function describeExporterConformance(options: ConformanceOptions): void {
  describe(`exporter conformance: ${options.name ?? options.exporter.type}`, () => {
    for (const check of conformanceChecks) {
      if (check.applies(options)) it(check.title, () => check.run(options));
    }
  });
}
