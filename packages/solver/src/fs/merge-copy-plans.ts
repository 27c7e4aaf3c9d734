import { CopyPlanBuilder } from "./copy-plan-builder.js";
import type { CopyPlan } from "./copy-plan.js";

/**
 * One plan from several, for a COPY whose files come from different sources (a context and
 * heredocs): later plans overwrite earlier ones at the same path, with the same rules as the
 * sources of one COPY (directory against non-directory is ERR_COPY_DEST_CONFLICT).
 */
export function mergeCopyPlans(plans: readonly CopyPlan[]): CopyPlan {
  if (plans.length === 1) return plans[0] as CopyPlan;
  const builder = new CopyPlanBuilder(0);
  for (const plan of plans) for (const entry of plan.entries) builder.addPlanned(entry);
  return builder.build();
}
