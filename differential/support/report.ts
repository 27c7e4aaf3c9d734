import { formatDifferences } from "@exp/testing";
import type { Comparison } from "./compare.js";

/** Tree differences as "path: field <BuildKit, via buildah> != <exp>" lines ("" when none). */
export function treeReport(c: Comparison): string {
  return formatDifferences(c.treeDifferences);
}

/** Config differences as "Field: <BuildKit, via buildah> != <exp>" lines ("" when none). */
export function configReport(c: Comparison): string {
  return c.configDifferences.map((d) => `${d.field}: ${d.a} != ${d.b}`).join("\n");
}
