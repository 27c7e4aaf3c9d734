import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ContentStore } from "@exp/content";
import type { Digest } from "@exp/oci-spec";

export interface GcRun {
  start: number;
  end: number;
  deleted: Digest[];
  /** The unreferenced blob written just before this GC. */
  junk: Digest;
}

/**
 * Forces GCs on a store and remembers what each deleted. Before each GC it writes a blob with no
 * lease, no root and no history record: a GC that does not delete it is not collecting at all,
 * so a test cannot pass merely because GC did nothing.
 */
export class GcRecorder {
  readonly runs: GcRun[] = [];

  constructor(private readonly store: ContentStore) {}

  async collect(): Promise<GcRun> {
    const junk = (await this.store.writeBlob(randomBytes(2048))).digest;
    const start = Date.now();
    const result = await this.store.gc();
    const run = { start, end: Date.now(), deleted: result.deleted, junk };
    this.runs.push(run);
    return run;
  }

  /** GCs one after another, `pauseMs` apart, until `until` settles; resolves with the runs it made. */
  async loop(until: Promise<unknown>, pauseMs: number): Promise<GcRun[]> {
    let done = false;
    void until.finally(() => (done = true)).catch(() => undefined);
    const mine: GcRun[] = [];
    while (!done) {
      mine.push(await this.collect());
      await sleep(pauseMs);
    }
    return mine;
  }

  /** Digests deleted by GCs that ended by `time` (those that ran while something still needed its blobs). */
  deletedBy(time: number): Set<Digest> {
    return new Set(this.runs.filter((r) => r.end <= time).flatMap((r) => r.deleted));
  }

  /** Every junk blob written so far. */
  junk(): Digest[] {
    return this.runs.map((r) => r.junk);
  }
}

/** The members of `needed` that are in `deleted`: must be empty. */
export function intersect(needed: Iterable<string>, deleted: Set<string>): string[] {
  return [...needed].filter((d) => deleted.has(d));
}
