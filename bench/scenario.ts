import type { Sampled } from "./stats.js";

/** A figure in a scenario's result: a count or setting, a label, or a repeated measurement. */
export type Figure = number | string | Sampled;

/**
 * A benchmark scenario. Targets are ratios measured within one run (the machine is shared and
 * noisy, so absolute times from different runs are not comparable). A sampled target metric is
 * judged by its median.
 */
export interface Scenario {
  name: string;
  description: string;
  /**
   * What the figures are compared against, named so a skeptic can check it: a real tool run from
   * its CLI (with its version), BuildKit's behaviour as its code has it (file and function), or a
   * physical limit. Shown in RESULTS.md beside the target.
   */
  baseline: string;
  /** What "good" means, e.g. `{ metric: "ratio", max: 0.52 }`; a scenario may have several. */
  targets: Target[];
  run(options: ScenarioOptions): Promise<Record<string, Figure>>;
}

export interface Target {
  metric: string;
  max?: number;
  min?: number;
}

export interface ScenarioOptions {
  signal: AbortSignal;
  log: (line: string) => void;
  /** Repetitions of each measured figure (`--runs N`, default 5: the issue asks for a median of at least 5). */
  runs: number;
}
