import { describe, expect, it } from "vitest";
import { recordAttrReads } from "@exp/solver";
import { AttrWalkError, coverageFindings } from "@exp/testing";
import { cacheExporter, inlineCacheExportKeys } from "./inline-cache-exporter.js";

// Issue 13, point 2, for type=inline: neither key can change the artifact, so both are exempt,
// with why; the walk's coverage check still fails when a key is added without a row.
const exempt = {
  mode: "exp takes only mode=min for an inline cache (the records of the image's own chain): it is the default, so an export with it is one without it, and mode=max is refused",
  // Checked against BuildKit: control/control.go parses ignore-error for every cache exporter, but
  // splitCacheExporters (solver/llbsolver/solver.go) takes the inline one apart and
  // runInlineCacheExporter (export.go) never reads it, so no artifact of BuildKit's differs with it.
  "ignore-error":
    "BuildKit accepts it for inline and never applies it (solver/llbsolver/export.go runInlineCacheExporter ignores IgnoreError): no artifact differs to match, and exp reads it and does not apply it either (a failing inline cache fails the build)",
};

describe("option table: --cache-to type=inline", () => {
  it("every key is exempt with a reason, and read by resolve()", () => {
    const findings = coverageFindings({ name: "cache exporter inline", keys: inlineCacheExportKeys, cases: [], exempt, export: async () => 0, fingerprint: String });
    if (findings.length > 0) throw new AttrWalkError("cache exporter inline", findings);
    const { readers } = recordAttrReads(() => cacheExporter.resolve({ mode: "min", "ignore-error": "true" }));
    expect(readers.flatMap((r) => r.unread())).toEqual([]);
    // Accepted, not applied, as BuildKit: a failing inline cache still fails the build.
    expect(cacheExporter.resolve({ "ignore-error": "true" }).ignoreError).toBe(false);
    expect(() => cacheExporter.resolve({ "ignore-error": "maybe" })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION" }));
    expect(() => cacheExporter.resolve({ mode: "max" })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION" }));
  });
});
