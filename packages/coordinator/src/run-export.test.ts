import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { AbortedError } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { LayerBlobs, type ExportSource, type ProgressEvent } from "@exp/solver";
import { runExport } from "./run-export.js";
import { Timeline } from "./timeline.js";
import { Barrier, aborted, deferred } from "./testing/barrier.js";
import { fakeCacheExporter, fakeImageExporter, fakeInlineCache, readFully, type EventLog } from "./testing/fake-exporters.js";
import { randomSource } from "./testing/random-source.js";

let dir: string;
let store: ContentStore;
let source: ExportSource;
let log: EventLog;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-coordinator-"));
  store = await openContentStore(join(dir, "store"));
  source = await randomSource(dir, [70_000, 150_000, 30_000]);
  log = { events: [] };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const index = (event: string) => {
  const at = log.events.indexOf(event);
  expect(at, `event ${event} in ${log.events.join(", ")}`).toBeGreaterThanOrEqual(0);
  return at;
};

describe("runExport: the two phases", () => {
  it("runs the image finalizer and the cache finalizer at the same time", async () => {
    const both = new Barrier(2);
    const image = fakeImageExporter({ id: "image", log, push: () => both.arrive() });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "max", push: () => both.arrive() });
    const outcome = await runExport({ source, exporters: [image], cacheExporters: [cache], store });
    const finalizes = outcome.timeline.filter((e) => e.phase === "finalize" || e.phase === "cache-finalize");
    expect(finalizes).toHaveLength(2);
    // Both creates ended before either finalizer started.
    expect(Math.max(index("image:create:end"), index("cache:create:end"))).toBeLessThan(Math.min(index("image:finalize:start"), index("cache:finalize:start")));
  });

  it("in sequential mode the same finalizers never overlap (the barrier cannot open)", async () => {
    const both = new Barrier(2, 300);
    const image = fakeImageExporter({ id: "image", log, push: () => both.arrive() });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "max", push: () => both.arrive() });
    await expect(runExport({ source, exporters: [image], cacheExporters: [cache], store, sequential: true })).rejects.toThrow(/did not overlap/);
    expect(await store.leases.list()).toEqual([]);
  });

  it("sequential mode runs image create, image push, then cache create and push", async () => {
    const image = fakeImageExporter({ id: "image", log, push: async () => {} });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "min", push: async () => {} });
    await runExport({ source, exporters: [image], cacheExporters: [cache], store, sequential: true });
    expect(log.events).toEqual([
      "image:create:start",
      "image:create:end",
      "image:finalize:start",
      "image:finalize:end",
      "cache:create:start",
      "cache:create:end",
      "cache:finalize:start",
      "cache:finalize:end",
    ]);
  });

  it("in sequential mode two exporters push at the same time, as BuildKit's runExporters ran them before #6451", async () => {
    const pushes = new Barrier(2);
    const a = fakeImageExporter({ id: "a", log, push: () => pushes.arrive() });
    const b = fakeImageExporter({ id: "b", log, push: () => pushes.arrive() });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "max", push: async () => {} });
    await runExport({ source, exporters: [a, b], cacheExporters: [cache], store, sequential: true });
    // The caches start only after every exporter has pushed.
    expect(index("cache:create:start")).toBeGreaterThan(Math.max(index("a:finalize:end"), index("b:finalize:end")));
  });

  it("in sequential mode two cache exporters send at the same time, after every exporter, as runCacheExporters did", async () => {
    const sends = new Barrier(2);
    const image = fakeImageExporter({ id: "image", log, push: async () => {} });
    const one = fakeCacheExporter({ id: "one", log, mode: "max", push: () => sends.arrive() });
    const two = fakeCacheExporter({ id: "two", log, mode: "max", push: () => sends.arrive() });
    await runExport({ source, exporters: [image], cacheExporters: [one, two], store, sequential: true });
    expect(Math.min(index("one:create:start"), index("two:create:start"))).toBeGreaterThan(index("image:finalize:end"));
  });

  it("in sequential mode a failing exporter cancels its sibling's push and no cache runs", async () => {
    // The broken exporter fails only once its sibling is pushing: the failure must reach that push.
    const pushing = deferred();
    const broken = fakeImageExporter({ id: "broken", log, beforeCreate: () => pushing.promise, failCreate: new Error("create failed") });
    let sawAbort: unknown;
    const slow = fakeImageExporter({ id: "slow", log, push: async (ctx) => {
      pushing.resolve();
      sawAbort = await aborted(ctx.signal);
    } });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "max", push: async () => {} });
    await expect(runExport({ source, exporters: [slow, broken], cacheExporters: [cache], store, sequential: true })).rejects.toThrow(/create failed/);
    expect(sawAbort).toBeInstanceOf(Error);
    expect(log.events.some((e) => e.startsWith("cache:"))).toBe(false);
    expect(await store.leases.list()).toEqual([]);
  });

  it("runs the inline cache before the image create phase and hands it to the image exporter", async () => {
    const inline = fakeInlineCache(log);
    const image = fakeImageExporter({ id: "image", log, wantsInlineCache: true });
    const plain = fakeImageExporter({ id: "plain", log });
    await runExport({ source, exporters: [image, plain], cacheExporters: [inline], store });
    expect(index("inline:prepare:end")).toBeLessThan(index("image:create:start"));
    expect(index("inline:prepare:end")).toBeLessThan(index("plain:create:start"));
    expect(inline.calls).toBe(1);
    expect(plain.inlineValues).toEqual([]);
    // Positions of the image's own layers, computed from the layers the image exporter wrote.
    expect(JSON.parse(Buffer.from(image.inlineValues[0]!, "base64").toString())).toEqual([{ layers: [0, 1, 2] }]);
  });

  it("serializes inline cache calls from exporters that create concurrently", async () => {
    const inline = fakeInlineCache(log);
    const a = fakeImageExporter({ id: "a", log, wantsInlineCache: true });
    const b = fakeImageExporter({ id: "b", log, wantsInlineCache: true });
    await runExport({ source, exporters: [a, b], cacheExporters: [inline], store });
    expect(inline.calls).toBe(2);
    expect(a.inlineValues).toHaveLength(1);
    expect(b.inlineValues).toHaveLength(1);
  });

  it("warns when an inline cache is requested and no exporter embeds it", async () => {
    const inline = fakeInlineCache(log);
    const outcome = await runExport({ source, exporters: [fakeImageExporter({ id: "plain", log })], cacheExporters: [inline], store });
    expect(outcome.warnings.join("\n")).toMatch(/inline cache requested but no exporter embeds it/);
    expect(log.events).not.toContain("inline:prepare:start");
  });
});

describe("runExport: blobs are made once and mode=min sees them", () => {
  it("a mode=min cache exports exactly the blobs the image exporter just created", async () => {
    const blobs = new LayerBlobs(store);
    // The image exporter compresses only the first two layers (the third is, say, a base layer it skips).
    const partial: ExportSource = {
      ...source,
      results: [{ ...source.results[0]!, ref: { ...source.results[0]!.ref, layers: source.results[0]!.ref.layers.slice(0, 2) } }],
    };
    const image = fakeImageExporter({ id: "image", log });
    const imageOnly = { ...image, export: (_: ExportSource, ctx: Parameters<typeof image.export>[1]) => image.export(partial, ctx) };
    const cache = fakeCacheExporter({ id: "cache", log, mode: "min" });
    const outcome = await runExport({ source, exporters: [imageOnly], cacheExporters: [cache], store, blobs });
    const manifest = JSON.parse((await store.readAll(outcome.response["containerimage.digest"] as Digest)).toString());
    const imageLayers = manifest.layers.map((l: { digest: string }) => l.digest);
    expect(cache.exported.map((b) => b?.descriptor.digest)).toEqual([...imageLayers, undefined]);
    expect(blobs.stats.created).toBe(2);
  });

  it("a mode=max cache creates only what is missing; two exporters asking at once compress each layer once", async () => {
    const blobs = new LayerBlobs(store);
    const a = fakeImageExporter({ id: "a", log });
    const b = fakeImageExporter({ id: "b", log });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "max" });
    await runExport({ source, exporters: [a, b], cacheExporters: [cache], store, blobs });
    expect(blobs.stats.created).toBe(3);
    expect(cache.exported.every((blob) => blob !== undefined)).toBe(true);
    const gzipBlobs = await store.findByLabel("exp.io/compression", "gzip");
    expect(gzipBlobs).toHaveLength(3);
  });

  it("exporters asking for different compressions each get their own blob", async () => {
    const blobs = new LayerBlobs(store);
    const gzip = fakeImageExporter({ id: "gzip", log, compression: { type: "gzip" } });
    const raw = fakeImageExporter({ id: "raw", log, compression: { type: "uncompressed" } });
    const outcome = await runExport({ source, exporters: [gzip, raw], store, blobs });
    expect(blobs.stats.created).toBe(6);
    expect(outcome.results).toHaveLength(2);
  });
});

describe("runExport: failures", () => {
  it("the first finalizer error aborts its siblings, is the error returned, and every lease is released", async () => {
    const cacheStarted = deferred();
    const cacheSawAbort = deferred<unknown>();
    const pushError = new Error("push refused: 403");
    const image = fakeImageExporter({
      id: "image",
      log,
      push: async () => {
        await cacheStarted.promise;
        throw pushError;
      },
    });
    const cache = fakeCacheExporter({
      id: "cache",
      log,
      mode: "max",
      push: async (ctx) => {
        cacheStarted.resolve();
        const reason = await aborted(ctx.signal);
        cacheSawAbort.resolve(reason);
        throw new Error("upload cancelled");
      },
    });
    const events: ProgressEvent[] = [];
    const failure = await runExport({ source, exporters: [image], cacheExporters: [cache], store, onProgress: (e) => events.push(e) }).catch((e: unknown) => e);
    expect(failure).toBe(pushError);
    expect(await cacheSawAbort.promise).toBe(pushError);
    expect(await store.leases.list()).toEqual([]);
    const history = await store.history.list();
    expect(history).toHaveLength(1);
    expect(history[0]!.error).toBe("push refused: 403");
    expect(history[0]!.results).toHaveLength(1);
    const statuses = events.flatMap((e) => (e.type === "vertex" && e.parent === undefined ? [`${e.id}:${e.status}`] : []));
    expect(statuses).toContain("export-0:error");
    expect(statuses).toContain("cache-0:canceled");
  });

  it("a failing create phase cancels the other exporters and releases the lease of one that succeeded", async () => {
    const boom = new Error("config invalid");
    const ok = fakeImageExporter({ id: "ok", log, push: async () => {} });
    const bad = fakeImageExporter({ id: "bad", log, failCreate: boom });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "min" });
    await expect(runExport({ source, exporters: [ok, bad], cacheExporters: [cache], store })).rejects.toBe(boom);
    expect(log.events).not.toContain("cache:create:start");
    expect(log.events).not.toContain("ok:finalize:start");
    expect(await store.leases.list()).toEqual([]);
  });

  it("ignore-error: a failing cache export warns and the image push completes", async () => {
    const image = fakeImageExporter({ id: "image", log, push: async () => {} });
    const cache = fakeCacheExporter({
      id: "cache",
      log,
      mode: "min",
      ignoreError: true,
      push: async () => {
        throw new Error("bucket unreachable");
      },
    });
    const outcome = await runExport({ source, exporters: [image], cacheExporters: [cache], store });
    expect(log.events).toContain("image:finalize:end");
    expect(outcome.warnings.join("\n")).toMatch(/bucket unreachable/);
    expect(outcome.response["cache.manifest"]).toBeUndefined();
    expect(outcome.timeline.find((e) => e.phase === "cache-finalize")?.status).toBe("ignored-error");
    expect(await store.leases.list()).toEqual([]);
  });

  it("without ignore-error the same cache failure fails the export", async () => {
    const image = fakeImageExporter({ id: "image", log, push: (ctx) => aborted(ctx.signal).then(() => {}) });
    const cache = fakeCacheExporter({
      id: "cache",
      log,
      mode: "min",
      push: async () => {
        throw new Error("bucket unreachable");
      },
    });
    await expect(runExport({ source, exporters: [image], cacheExporters: [cache], store })).rejects.toThrow("bucket unreachable");
  });

  it("a push failure fails the export even when the cache export succeeded", async () => {
    const cacheDone = deferred();
    const image = fakeImageExporter({
      id: "image",
      log,
      push: async () => {
        await cacheDone.promise;
        throw new Error("manifest invalid");
      },
    });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "min", ignoreError: true, push: async () => {}, onFinalized: () => cacheDone.resolve() });
    await expect(runExport({ source, exporters: [image], cacheExporters: [cache], store })).rejects.toThrow("manifest invalid");
    expect(log.events).toContain("cache:finalize:end");
  });

  it("an external abort stops the finalizers, throws AbortedError and releases every lease", async () => {
    const controller = new AbortController();
    const image = fakeImageExporter({
      id: "image",
      log,
      push: async (ctx) => {
        controller.abort(new Error("user pressed ctrl-c"));
        await aborted(ctx.signal);
        throw ctx.signal.reason;
      },
    });
    const failure = await runExport({ source, exporters: [image], store, signal: controller.signal }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AbortedError);
    expect((failure as AbortedError).code).toBe("ERR_ABORTED");
    expect(await store.leases.list()).toEqual([]);
  });

  it("history records an external abort as the abort, whatever error the first finalizer to notice it throws", async () => {
    const controller = new AbortController();
    const image = fakeImageExporter({
      id: "image",
      log,
      push: async (ctx) => {
        controller.abort(new Error("user pressed ctrl-c"));
        await aborted(ctx.signal);
        throw new Error("Request aborted"); // what undici makes of it, say
      },
    });
    const failure = await runExport({ source, exporters: [image], store, signal: controller.signal, buildId: "interrupted" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AbortedError);
    expect((await store.history.get("interrupted"))?.error).toBe("export was aborted: user pressed ctrl-c");
  });
});

describe("runExport: the timeline of a failed or interrupted export", () => {
  it("a timeline the caller passes keeps every phase's span, with its status, when runExport throws", async () => {
    const controller = new AbortController();
    const image = fakeImageExporter({
      id: "image",
      log,
      push: async (ctx) => {
        controller.abort(new Error("user pressed ctrl-c"));
        await aborted(ctx.signal);
        throw new Error("Request aborted"); // what undici makes of it
      },
    });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "min", push: async (ctx) => void (await aborted(ctx.signal)) });
    const timeline = new Timeline();
    const before = performance.timeOrigin + performance.now();
    const failure = await runExport({ source, exporters: [image], cacheExporters: [cache], store, signal: controller.signal, timeline }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AbortedError);
    const spans = timeline.entries.map((e) => [e.vertex, e.phase, e.status]);
    expect(spans).toEqual(
      expect.arrayContaining([
        ["export-0", "create", "completed"],
        ["cache-0", "cache-create", "completed"],
        ["export-0", "finalize", "canceled"],
        ["cache-0", "cache-finalize", "canceled"],
      ]),
    );
    for (const entry of timeline.entries) expect(entry.end).toBeGreaterThanOrEqual(entry.start);
    // Its zero is an epoch time with sub-millisecond precision, taken when it was made.
    expect(timeline.startedAt).toBeLessThanOrEqual(before);
    expect(Date.now() - timeline.startedAt).toBeLessThan(60_000);
  });

  it("a successful export's outcome says when its timeline starts", async () => {
    const before = performance.timeOrigin + performance.now();
    const outcome = await runExport({ source, exporters: [fakeImageExporter({ id: "image", log })], store });
    expect(outcome.timelineStartedAt).toBeGreaterThanOrEqual(before);
    expect(outcome.timelineStartedAt).toBeLessThanOrEqual(performance.timeOrigin + performance.now());
  });
});

describe("runExport: history and garbage collection", () => {
  it("records the descref of a store-only export (no finalize) in history and keeps its content", async () => {
    const image = fakeImageExporter({ id: "store-only", log });
    const outcome = await runExport({ source, exporters: [image], store, buildId: "build-1" });
    const record = await store.history.get("build-1");
    expect(record?.results.map((d) => d.digest)).toEqual([outcome.response["containerimage.digest"]]);
    expect(outcome.results).toEqual(record?.results);
    expect(await store.leases.list()).toEqual([]);
    // The lease is gone, yet history keeps the image: GC deletes none of it.
    const before = (await listDigests(store)).sort();
    const gc = await store.gc();
    expect(gc.deleted).toEqual([]);
    expect((await listDigests(store)).sort()).toEqual(before);
    // Once history is pruned, all of it is garbage.
    await store.prune();
    expect(await listDigests(store)).toEqual([]);
  });

  it("a GC between the phases and during finalize deletes unleased garbage and nothing a finalizer needs", async () => {
    const garbage = await store.writeBlob("unreferenced garbage from an older build");
    let gcDuringFinalize: Digest[] = [];
    let gcBetween: Digest[] = [];
    const image = fakeImageExporter({
      id: "image",
      log,
      push: async () => {
        gcDuringFinalize = (await store.gc()).deleted;
      },
    });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "max", push: async () => {} });
    await runExport({
      source,
      exporters: [image],
      cacheExporters: [cache],
      store,
      betweenPhases: async () => {
        gcBetween = (await store.gc()).deleted;
      },
    });
    // The finalizers read every blob they needed after both GCs (they would have thrown otherwise).
    expect(log.events).toContain("image:finalize:end");
    expect(log.events).toContain("cache:finalize:end");
    expect(gcBetween).toEqual([garbage.digest]);
    expect(gcDuringFinalize).toEqual([]);
    expect(await store.exists(garbage.digest)).toBe(false);
  });

  it("the same GC would delete the exporter's blobs if it did not hold them (the test can fail)", async () => {
    // A broken exporter that releases its descref's lease in create: GC between phases takes its blobs.
    const image = fakeImageExporter({ id: "image", log, push: async () => {} });
    const leaky = {
      ...image,
      async export(s: ExportSource, ctx: Parameters<typeof image.export>[1]) {
        const result = await image.export(s, ctx);
        await result.descref!.release();
        return result;
      },
    };
    await expect(runExport({ source, exporters: [leaky], store, betweenPhases: async () => void (await store.gc()) })).rejects.toThrow(/not found|ERR_NOT_FOUND/i);
  });
});

describe("runExport: response", () => {
  it("merges exporter responses, joins image names and forwards only cache.* keys", async () => {
    const a = fakeImageExporter({ id: "reg/a", log });
    const b = fakeImageExporter({ id: "reg/b", log });
    const cache = fakeCacheExporter({ id: "cache", log, mode: "min" });
    const outcome = await runExport({ source, exporters: [a, b], cacheExporters: [cache], store });
    expect(outcome.response["image.name"]).toBe("reg/a,reg/b");
    expect(outcome.response["cache.manifest"]).toMatch(/^sha256:/);
    expect(outcome.response["other.key"]).toBeUndefined();
    expect(await readFully(store, outcome.response["cache.manifest"] as Digest)).toBeGreaterThan(0);
  });
});

async function listDigests(s: ContentStore): Promise<Digest[]> {
  const out: Digest[] = [];
  for await (const info of s.list()) out.push(info.digest);
  return out;
}
