import { describe, expect, it } from "vitest";
import { AttrWalkError } from "./attr-walk-error.js";
import { coverageFindings, walkRow } from "./walk-attrs.js";
import type { AttrWalkOptions } from "./types.js";

/**
 * Registers an option-table walk as vitest tests: one for the table's coverage, one per row, so a
 * failure names the attribute. `options` is a function so servers started in beforeAll can be used.
 */
export function describeAttrWalk<A>(title: string, rows: readonly string[], options: () => AttrWalkOptions<A>, timeoutMs = 60_000): void {
  describe(`option table: ${title}`, () => {
    const cache = new Map<string, Promise<A>>();
    it("every key has a row or a stated exemption", () => {
      const o = options();
      const findings = coverageFindings(o);
      if (findings.length > 0) throw new AttrWalkError(o.name, findings);
      expect(o.cases.map((c) => c.key)).toEqual(expect.arrayContaining([...rows]));
    });
    for (const key of rows) {
      it(`${key} changes the artifact as BuildKit's does`, async () => {
        const o = options();
        const findings = [];
        for (const row of o.cases.filter((c) => c.key === key)) findings.push(...(await walkRow(o, row, cache)));
        if (findings.length > 0) throw new AttrWalkError(o.name, findings);
      }, timeoutMs);
    }
  });
}
