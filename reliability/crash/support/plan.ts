import { seededRandom } from "../../../packages/testing/src/prng.js";
import { phases, type Phase } from "./phases.js";

/** local: OCI archive + image in the store + local cache dir. registry: push + registry cache. */
export type Scenario = "local" | "registry";

export interface TrialPlan {
  index: number;
  phase: Phase;
  scenario: Scenario;
  /** Start a new store before this trial; otherwise build on top of the previous trials' leftovers. */
  freshStore: boolean;
  /** Where in the phase to kill: the tick at `fraction` of the phase's calibrated tick count. */
  fraction: number;
  /** gc trials: `exp prune -a` (history and cache records go too, so most blobs are garbage) or a plain `exp prune`. */
  pruneAll: boolean;
  /** Seeds the trial's fresh layer content. */
  contentSeed: number;
}

/**
 * The trials for one seed. Every phase gets the same share, in a seeded order, so even the CI-size
 * run kills in every phase several times; the point within the phase, the outputs and whether the
 * store starts fresh are seeded per trial.
 */
export function planTrials(seed: number, count: number, options: { registry: boolean }): TrialPlan[] {
  const rng = seededRandom(seed);
  const order: Phase[] = Array.from({ length: count }, (_, i) => phases[i % phases.length]!);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.map((phase, index) => ({
    index,
    phase,
    scenario: options.registry && rng() < 0.4 ? "registry" : "local",
    freshStore: index === 0 || rng() < 0.2,
    fraction: rng(),
    pruneAll: rng() < 0.5,
    contentSeed: Math.floor(rng() * 0x7fff_ffff),
  }));
}
