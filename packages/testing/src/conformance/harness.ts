import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConformanceError } from "../errors.js";
import type { ConformanceExportResult, ConformanceFixture, ConformanceOptions, ConformanceProgressEvent, ConformanceReleasable, ConformanceRequest } from "./types.js";

/** One check's fixture and destination; cleaned up however the check ends. */
export interface CheckRun {
  readonly check: string;
  readonly fixture: ConformanceFixture;
  readonly target: string;
  /** Lease ids alive before the export: what must be alive again once it is released. */
  readonly leasesBefore: ReadonlySet<string>;
  fail(message: string, cause?: unknown): never;
}

let runs = 0;

/** Runs `body` on a fresh fixture and destination, then cleans up; every failure is a ConformanceError of `check`. */
export async function withFixture(check: string, options: ConformanceOptions, body: (run: CheckRun) => Promise<void>): Promise<void> {
  const fail = (message: string, cause?: unknown): never => {
    throw new ConformanceError(check, message, cause);
  };
  const fixture = await options.setup();
  try {
    // Unique across checks and files (repositories and key prefixes are shared per server); valid as a repository name.
    const id = `${check}-${process.pid}-${++runs}`;
    const target = await (options.target ?? defaultTarget)({ dir: fixture.dir, id });
    const leasesBefore = new Set((await fixture.store.leases.list()).map((l) => l.id));
    await body({ check, fixture, target, leasesBefore, fail }).catch((error: unknown) => {
      throw error instanceof ConformanceError ? error : new ConformanceError(check, "the check failed", error);
    });
  } finally {
    await fixture.cleanup();
  }
}

/** A destination without a fixture, for checks that never export (resolving attributes costs no build). */
export async function withTarget(check: string, options: ConformanceOptions, body: (run: Pick<CheckRun, "check" | "target" | "fail">) => void | Promise<void>): Promise<void> {
  const fail = (message: string, cause?: unknown): never => {
    throw new ConformanceError(check, message, cause);
  };
  const dir = await mkdtemp(join(tmpdir(), "exp-conformance-"));
  try {
    const target = await (options.target ?? defaultTarget)({ dir, id: `${check}-${process.pid}-${++runs}` });
    await Promise.resolve(body({ check, target, fail })).catch((error: unknown) => {
      throw error instanceof ConformanceError ? error : new ConformanceError(check, "the check failed", error);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function defaultTarget({ dir, id }: { dir: string; id: string }): Promise<string> {
  const parent = join(dir, `dest-${id}`);
  await mkdir(parent, { recursive: true });
  return join(parent, "out");
}

/** The instance for `attrs(target)`, checked to have a create phase. */
export function resolveInstance(run: Pick<CheckRun, "target" | "fail">, options: ConformanceOptions, extra: Record<string, string> = {}): { name: string; export: (source: unknown, ctx: unknown) => Promise<ConformanceExportResult> } {
  let instance: ReturnType<ConformanceOptions["exporter"]["resolve"]>;
  try {
    instance = options.exporter.resolve({ ...options.attrs(run.target), ...extra });
  } catch (error) {
    return run.fail(`resolve() refused the valid attributes ${JSON.stringify(options.attrs(run.target))}`, error);
  }
  if (typeof instance.export !== "function") {
    return run.fail("the resolved instance has no export(source, ctx): an inline cache is checked through the exporter that embeds it");
  }
  if (typeof instance.name !== "string" || instance.name.length === 0) run.fail("the resolved instance has no progress name");
  return instance as { name: string; export: (source: unknown, ctx: unknown) => Promise<ConformanceExportResult> };
}

export interface Created {
  result: ConformanceExportResult;
  progress: unknown;
  /** The descref or hold, if any: released by releaseCreated. */
  handle?: ConformanceReleasable;
}

/** The create phase, with a fresh context; the result is checked for shape. */
export async function create(run: CheckRun, options: ConformanceOptions, signal: AbortSignal = new AbortController().signal, onProgress?: (event: ConformanceProgressEvent) => void): Promise<Created> {
  const instance = resolveInstance(run, options);
  const ctx = run.fixture.context({ signal, ...(onProgress ? { onProgress } : {}) });
  let result: ConformanceExportResult;
  try {
    result = await instance.export(run.fixture.source, ctx);
  } catch (error) {
    return run.fail("the create phase failed", error);
  }
  if (typeof result !== "object" || result === null) run.fail(`the create phase returned ${String(result)}, not an export result`);
  if (result.descref && result.hold) run.fail("the create phase returned both a descref and a hold");
  if (result.finalize !== undefined && typeof result.finalize !== "function") run.fail("finalize is not a function");
  const handle = result.descref ?? result.hold;
  return { result, progress: ctx.progress, ...(handle ? { handle } : {}) };
}

/** Releases what create handed over: twice, since release must be idempotent. */
export async function release(run: CheckRun, created: Created): Promise<void> {
  if (!created.handle) return;
  try {
    await created.handle.release();
    await created.handle.release();
  } catch (error) {
    run.fail("releasing the descref/hold failed (release must be idempotent)", error);
  }
}

/** Fails unless the leases alive are exactly those alive before the export. */
export async function expectLeasesBack(run: CheckRun, when: string): Promise<void> {
  const after = await run.fixture.store.leases.list();
  const left = after.filter((l) => !run.leasesBefore.has(l.id));
  if (left.length > 0) {
    run.fail(`${when}, ${left.length} lease(s) the export took are still held: ${left.map((l) => `${l.id} ${JSON.stringify(l.labels ?? {})}`).join(", ")}`);
  }
}

/** Fails unless the artifact at the destination is complete and verified. */
export async function expectVerified(run: CheckRun, options: ConformanceOptions, when: string): Promise<void> {
  try {
    await options.artifact.verify(run.target, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    run.fail(`${when}, the artifact at ${run.target} does not verify`, error);
  }
}

/** What of the artifact is at the destination (empty: nothing). */
export function present(options: ConformanceOptions, run: CheckRun): Promise<string[]> {
  return options.artifact.present(run.target, { signal: AbortSignal.timeout(30_000) });
}

export type Settled<T> = { state: "resolved"; value: T; ms: number } | { state: "rejected"; error: unknown; ms: number } | { state: "pending"; ms: number };

/** How `promise` stands after at most `ms` (measured from now). A promise still pending is left running, its rejection handled. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    promise.then(
      (value) => ({ state: "resolved" as const, value }),
      (error: unknown) => ({ state: "rejected" as const, error }),
    ),
    new Promise<{ state: "pending" }>((resolve) => {
      timer = setTimeout(() => resolve({ state: "pending" }), ms);
    }),
  ]);
  clearTimeout(timer);
  return { ...outcome, ms: Math.round(performance.now() - start) };
}

/** True when the method changes something on the server. */
export function isWrite(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}

/** The first few requests, for a failure message; `since` (ms since the epoch) times them. */
export function describeRequests(requests: readonly ConformanceRequest[], since?: number): string {
  const shown = requests.slice(0, 5).map((r) => {
    const when = since !== undefined && r.startedAt !== undefined ? ` at +${r.startedAt - since} ms` : "";
    const outcome = r.status !== undefined ? ` (${r.status})` : r.endedAt === undefined ? " (still open)" : " (no answer)";
    return `${r.method} ${r.path}${when}${outcome}`;
  });
  return `${shown.join(", ")}${requests.length > shown.length ? ` and ${requests.length - shown.length} more` : ""}`;
}
