/**
 * A benchmark scenario. Targets are ratios measured within one run (the machine is shared and
 * noisy, so absolute times from different runs are not comparable).
 */
export interface Scenario {
  name: string;
  description: string;
  /** What "good" means, e.g. "ratio <= 0.52". */
  target: { metric: string; max?: number; min?: number };
  run(options: { signal: AbortSignal; log: (line: string) => void }): Promise<Record<string, number | string>>;
}
