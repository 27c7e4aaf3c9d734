import { setTimeout as sleep } from "node:timers/promises";
import { create, describeRequests, expectLeasesBack, expectVerified, present, release, resolveInstance, settleWithin, withFixture, type CheckRun, type Settled } from "./harness.js";
import type { ConformanceExportResult, ConformanceOptions } from "./types.js";

const CHECK = "obeys-abort";
/** How long a throttled finalize is given to reach the server before it is aborted anyway. */
const REACH_SERVER_MS = 1000;
/** After an aborted finalize returned: time for requests or writes it left running in the background to show. */
const SETTLE_MS = 300;
/** The same after an aborted create phase: local I/O shows sooner. */
const CREATE_SETTLE_MS = 100;
/** An exporter that ignores its signal is still waited for (at most this long) before the fixture is removed. */
const DRAIN_MS = 10_000;

/**
 * An export obeys its signal. For an exporter that writes in finalize, finalize is aborted right
 * after it is called (before its first await resolves), and, with `throttle`, again once its first
 * request reached the slowed server. For one that writes in create, create is aborted right after
 * it is called, and again at its first progress event. Each time the phase must reject, with an
 * abort error, within `abortBoundMs`; a phase that resolves although its signal fired before it
 * could have finished ignored the signal. Afterwards nothing of the artifact may be at the
 * destination (an aborted finalize), or only a complete, verified one (an aborted create that had
 * already committed); never a partial one. Releasing the descref/hold then gives back every lease.
 */
export async function checkObeysAbort(options: ConformanceOptions): Promise<void> {
  if ((options.writes ?? "finalize") === "finalize") {
    await abortFinalize(options, false);
    if (options.throttle) await abortFinalize(options, true);
  } else {
    await abortCreate(options, "at once");
    await abortCreate(options, "at its first progress event");
  }
}

async function abortFinalize(options: ConformanceOptions, throttled: boolean): Promise<void> {
  const bound = options.abortBoundMs ?? 2000;
  const when = throttled ? "once its first request reached the (slowed) server" : "right after it was called";
  await withFixture(CHECK, options, async (run: CheckRun) => {
    const created = await create(run, options);
    try {
      const { finalize } = created.result;
      if (!finalize) run.fail("the create phase returned no finalize to abort");
      const restore = throttled ? await options.throttle!() : undefined;
      let settled: Settled<void>;
      let rejectedMark = 0;
      let rejectedAt = 0;
      try {
        const mark = options.requests?.().length ?? 0;
        const controller = new AbortController();
        const running = call(() => finalize({ signal: controller.signal, progress: created.progress }));
        if (throttled) {
          const reached = await untilRequest(options, mark, running, REACH_SERVER_MS);
          if (reached === "settled") {
            run.fail(`finalize finished before it could be aborted (throttled, it made ${(options.requests?.().length ?? mark) - mark} request(s)); make the throttle slower`);
          }
        }
        controller.abort(new Error("aborted by the conformance suite"));
        settled = await settleWithin(running, bound);
        if (settled.state === "pending") {
          await settleWithin(running, DRAIN_MS);
          run.fail(`finalize, aborted ${when}, was still running ${bound} ms later: it does not obey its signal`);
        }
        if (settled.state === "resolved") run.fail(`finalize, aborted ${when}, resolved ${settled.ms} ms later as if nothing happened: it ignored its signal`);
        expectAbortError(run, "finalize", settled.error, controller.signal.reason);
        rejectedMark = options.requests?.().length ?? 0;
        rejectedAt = Date.now();
      } finally {
        await restore?.();
      }
      await sleep(SETTLE_MS);
      // Logged after the rejection and answered (or still waiting for its answer): sent by work
      // the exporter left running. One the client gave up on was on its way before the abort and
      // only reached the server's log late.
      const late = (options.requests?.() ?? []).slice(rejectedMark).filter((r) => r.status !== undefined || r.endedAt === undefined);
      if (late.length > 0) run.fail(`finalize rejected on the abort but went on sending requests: ${describeRequests(late, rejectedAt)}`);
      const found = await present(options, run);
      if (found.length > 0) {
        const complete = await options.artifact.verify(run.target, { signal: AbortSignal.timeout(30_000) }).then(() => true, () => false);
        run.fail(`after finalize was aborted ${when} and rejected, ${complete ? "a complete artifact" : "a partial artifact"} is at the destination: ${found.join(", ")}`);
      }
    } finally {
      await release(run, created);
    }
    await expectLeasesBack(run, "after an aborted finalize and the release of the descref/hold");
  });
}

async function abortCreate(options: ConformanceOptions, when: "at once" | "at its first progress event"): Promise<void> {
  const bound = options.abortBoundMs ?? 2000;
  await withFixture(CHECK, options, async (run: CheckRun) => {
    const instance = resolveInstance(run, options);
    const controller = new AbortController();
    const abort = () => {
      if (!controller.signal.aborted) controller.abort(new Error("aborted by the conformance suite"));
    };
    const ctx = run.fixture.context({ signal: controller.signal, ...(when === "at once" ? {} : { onProgress: abort }) });
    const running = call(() => instance.export(run.fixture.source, ctx));
    if (when === "at once") abort();
    // Without progress events, the abort comes on the next turn of the event loop.
    else setImmediate(abort);
    // By the next turn the abort has fired either way.
    await new Promise((resolve) => setImmediate(resolve));
    const settled = await settleWithin(running, bound);
    if (settled.state === "pending") {
      await settleWithin(running, DRAIN_MS);
      run.fail(`the create phase, aborted ${when}, was still running ${bound} ms later: it does not obey its signal`);
    }
    if (settled.state === "resolved") {
      try {
        if (when === "at once") run.fail("the create phase, aborted right after it was called, resolved as if nothing happened: it ignored its signal");
        // The abort came after the export committed: then the artifact must be whole.
        await expectVerified(run, options, "after a create phase that finished although aborted");
      } finally {
        await releaseResult(run, settled.value);
      }
    } else {
      expectAbortError(run, "the create phase", settled.error, controller.signal.reason);
      await sleep(CREATE_SETTLE_MS);
      const found = await present(options, run);
      if (found.length > 0) {
        const complete = await options.artifact.verify(run.target, { signal: AbortSignal.timeout(30_000) }).then(() => true, () => false);
        if (!complete || when === "at once") run.fail(`after the create phase was aborted ${when} and rejected, ${complete ? "an artifact" : "a partial artifact"} is at the destination: ${found.join(", ")}`);
      }
    }
    await expectLeasesBack(run, `after a create phase aborted ${when}`);
  });
}

/** A call that throws synchronously is a rejected promise, as if it were async; its rejection is always handled. */
function call<T>(fn: () => Promise<T>): Promise<T> {
  let promise: Promise<T>;
  try {
    promise = Promise.resolve(fn());
  } catch (error) {
    promise = Promise.reject(error);
  }
  promise.catch(() => undefined);
  return promise;
}

/** "request" once the server saw a request after `mark`, "settled" if `running` ends first, "timeout" after `ms`. */
async function untilRequest(options: ConformanceOptions, mark: number, running: Promise<unknown>, ms: number): Promise<"request" | "settled" | "timeout"> {
  let settled = false;
  void running.then(
    () => (settled = true),
    () => (settled = true),
  );
  const deadline = performance.now() + ms;
  for (;;) {
    if ((options.requests?.().length ?? mark) > mark) return "request";
    if (settled) return "settled";
    if (performance.now() > deadline) return "timeout";
    await sleep(5);
  }
}

/**
 * An aborted phase rejects with an abort error, so callers report a cancel, not a failure:
 * ERR_ABORTED, the platform's AbortError, or the signal's own reason (what fetch, undici and
 * `signal.throwIfAborted()` reject with). Not an error of its own code wrapping one: its code is
 * what a caller sees first.
 */
function expectAbortError(run: CheckRun, phase: string, error: unknown, reason: unknown): void {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (error === reason || code === "ERR_ABORTED" || code === "ABORT_ERR" || name === "AbortError") return;
  run.fail(`${phase}, aborted, rejected with an error that is not an abort (ERR_ABORTED, AbortError or the signal's reason): a cancel would be reported as a failure`, error);
}

async function releaseResult(run: CheckRun, result: ConformanceExportResult): Promise<void> {
  const handle = result?.descref ?? result?.hold;
  if (handle) await release(run, { result, progress: undefined, handle });
}
