import type { Digest } from "@exp/oci-spec";
import type { ImageConfigJSON } from "@exp/solver";
import type { BuildPlan } from "../plan/types.js";

/**
 * The diff_ids of the image the target stage stands on, following `FROM <stage>` down to an
 * image, as BuildKit hands the exporter its base image config (dockerfile2llb/convert.go: a
 * stage FROM another stage inherits that stage's baseImg). `rewrite-timestamp` keeps those
 * layers as they are. Undefined for a stage on scratch or on a named context.
 */
export function targetBaseDiffIDs(plan: BuildPlan, baseConfigs: ReadonlyMap<string, ImageConfigJSON>): readonly Digest[] | undefined {
  const byIndex = new Map(plan.stages.map((stage) => [stage.index, stage]));
  let stage = byIndex.get(plan.target);
  for (let hops = 0; stage && hops <= plan.stages.length; hops++) {
    const base = stage.base;
    if (base.kind === "image") {
      const rootfs = baseConfigs.get(base.ref)?.rootfs as { diff_ids?: Digest[] } | undefined;
      return rootfs?.diff_ids;
    }
    if (base.kind !== "stage") return undefined;
    stage = byIndex.get(base.index);
  }
  return undefined;
}
