import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { TickCounts } from "./phases.js";
import type { Scenario } from "./plan.js";

/** Everything the trials share: the work directory, the registry (if any) and the calibration. */
export interface CrashWorld {
  work: string;
  /** "127.0.0.1:PORT" of the test registry; registry trials need it. */
  registry?: string;
  /** Per scenario, how many ticks each build phase has at least (see calibrate). */
  bounds: Record<Scenario, TickCounts>;
}

/** A failed step of a trial, with what is needed to reproduce and debug it. */
export class TrialError extends Error {}

/** The store a run of trials shares; next() starts another one. */
export class Stores {
  private generation = 0;
  current = "";
  /** Set when a trial failed: its store's faults would fail every later trial too, so the next one starts afresh. */
  poisoned = false;

  constructor(private readonly work: string) {}

  async next(): Promise<string> {
    this.poisoned = false;
    if (this.current !== "") await rm(this.current, { recursive: true, force: true });
    this.generation++;
    this.current = join(this.work, `store-${this.generation}`);
    return this.current;
  }

  /** Seeds the layer every build in this store shares (a cache hit after its first build). */
  get seed(): number {
    return 1000 + this.generation;
  }
}

export function buildArgv(world: CrashWorld, scenario: Scenario, store: string, context: string, index: number): string[] {
  // rawjson: the kill hook reads the progress events to know when a COPY runs and when finalizers start.
  const common = ["--root", store, "--progress", "rawjson"];
  if (scenario === "registry") {
    const host = world.registry;
    if (host === undefined) throw new TrialError("a registry trial without a registry");
    return [
      "build", context,
      "-o", `type=image,name=${host}/crash/app:t${index},push=true`,
      "--cache-to", `type=registry,ref=${host}/crash/cache:latest,mode=max`,
      "--insecure-registry", host,
      "--metadata-file", metadataPath(world, index),
      ...common,
    ];
  }
  return [
    "build", context,
    "-o", `type=oci,dest=${join(world.work, "out", `t${index}.tar`)}`,
    "-o", `type=image,name=crash/app:t${index}`,
    // One cache directory for every trial: a killed export's lock and temp files there are the next one's to cope with.
    "--cache-to", `type=local,dest=${join(world.work, "cache")},mode=max`,
    ...common,
  ];
}

export function metadataPath(world: CrashWorld, index: number): string {
  return join(world.work, "out", `t${index}.metadata.json`);
}
