import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BytesEvent, VertexEvent } from "@exp/solver";
import { skipUnlessTools, startRegistry } from "@exp/testing";
import { fixture, interruptingExporter, pluginType, run, type Fixture } from "./test-helpers.js";
import { chromeTrace, type ChromeTrace, type ChromeTraceEvent } from "./trace.js";

const t0 = 1_700_000_000_000;
const vertex = (id: string, status: VertexEvent["status"], at: number, name = id): VertexEvent => ({ type: "vertex", id, name, status, at: t0 + at, ...(id.includes("/") ? { parent: id.split("/")[0]! } : {}) });
const upload = (vertexId: string, blob: string, current: number, total: number, at: number): BytesEvent => ({ type: "bytes", vertex: vertexId, id: blob, action: "uploading", current, total, at: t0 + at });
const blobA = `sha256:${"a".repeat(64)}`;
const blobB = `sha256:${"b".repeat(64)}`;
const blobC = `sha256:${"c".repeat(64)}`;

function threadsOf(trace: ChromeTrace): Map<number, string> {
  return new Map(trace.traceEvents.filter((e) => e.ph === "M").map((e) => [e.tid, String(e.args?.name)]));
}

/** Spans on one tid must nest or follow each other (the viewers draw a lane as a stack). */
function expectStackable(spans: readonly ChromeTraceEvent[]): void {
  for (const a of spans) {
    for (const b of spans) {
      if (a === b || a.tid !== b.tid) continue;
      const [as, ae, bs, be] = [a.ts!, a.ts! + a.dur!, b.ts!, b.ts! + b.dur!];
      const ok = ae <= bs || be <= as || (as >= bs && ae <= be) || (bs >= as && be <= ae);
      expect(ok, `${a.name} [${as}, ${ae}] and ${b.name} [${bs}, ${be}] overlap part-way on tid ${a.tid}`).toBe(true);
    }
  }
}

describe("chromeTrace", () => {
  it("one span per blob upload, on its exporter's lanes, from the first byte count to the one reaching the size; times to the µs", () => {
    const trace = chromeTrace({
      startedAt: t0,
      events: [vertex("op-0", "started", 0.25), vertex("op-0", "completed", 1.5), vertex("export-0", "started", 2, "exporting to image"), vertex("export-0/push", "started", 3), vertex("export-0/push", "completed", 9), vertex("export-0", "completed", 9.5, "exporting to image")],
      bytes: [
        upload("export-0/push", blobA, 0, 100, 3.1),
        upload("export-0/push", blobB, 0, 50, 3.2),
        upload("export-0/push", blobA, 60, 100, 4),
        upload("export-0/push", blobB, 50, 50, 5.0625),
        upload("export-0/push", blobA, 100, 100, 7.5),
        upload("export-0/push", blobA, 100, 100, 8), // a repeat after the end does not stretch it
        upload("export-0/push", blobC, 0, 10, 8.5), // never finished (interrupted)
        { type: "bytes", vertex: "export-0/push", id: blobC, action: "compressing", current: 5, total: 10, at: t0 + 8.7 },
      ],
      timeline: [
        { phase: "create", vertex: "export-0", name: "exporting to image", start: 0, end: 0.9, status: "completed" },
        { phase: "finalize", vertex: "export-0", name: "exporting to image", start: 1, end: 7, status: "completed" },
      ],
      exportStartedAt: t0 + 2,
    });
    const spans = trace.traceEvents.filter((e) => e.ph === "X");
    const uploads = spans.filter((e) => e.cat === "upload").sort((a, b) => a.ts! - b.ts!);
    expect(uploads.map((e) => [e.name, e.ts, e.dur, e.args?.status])).toEqual([
      [`uploading ${blobA.slice(0, 19)}`, 3100, 4400, "completed"],
      [`uploading ${blobB.slice(0, 19)}`, 3200, 1863, "completed"],
      [`uploading ${blobC.slice(0, 19)}`, 8500, 0, "unfinished"],
    ]);
    expect(uploads[0]!.args).toMatchObject({ vertex: "export-0/push", blob: blobA, bytes: 100 });
    // The first upload shares the exporter's lane (it nests in its push); the parallel one gets lane 2.
    const threads = threadsOf(trace);
    expect(threads.get(uploads[0]!.tid)).toBe("export-0: exporting to image");
    expect(threads.get(uploads[1]!.tid)).toBe("export-0: exporting to image (2)");
    expect(spans.find((e) => e.name === "finalize")!.tid).toBe(uploads[0]!.tid);
    expectStackable(spans);
    // Sub-millisecond times survive: µs with a fraction.
    expect(spans.find((e) => e.cat === "build")).toMatchObject({ ts: 250, dur: 1250 });
    expect(spans.find((e) => e.name === "create")).toMatchObject({ ts: 2000, dur: 900 });
  });
});

describe("exp build --trace", () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await fixture();
  });
  afterEach(() => fx.cleanup());

  it("has sub-millisecond times for the build steps", async () => {
    const traceFile = join(fx.dir, "trace.json");
    const result = await run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store, "--trace", traceFile]);
    expect(result.code).toBe(0);
    const trace = JSON.parse(await readFile(traceFile, "utf8")) as ChromeTrace;
    const build = trace.traceEvents.filter((e) => e.ph === "X" && (e.cat === "build" || e.cat === "step"));
    expect(build.length).toBeGreaterThan(2);
    // Whole milliseconds would make every time a multiple of 1000 µs.
    expect(build.some((e) => e.ts! % 1000 !== 0 || e.dur! % 1000 !== 0)).toBe(true);
  });

  it("an interrupted build's trace has the export phases that ran, with how they ended", async () => {
    const traceFile = join(fx.dir, "trace.json");
    const controller = new AbortController();
    // An exporter whose finalize is where Ctrl-C lands.
    const plugin = await interruptingExporter(fx.dir, controller);
    try {
      const result = await run(["build", fx.context, "-o", `type=${plugin.path}`, "--root", fx.store, "--trace", traceFile], { signal: controller.signal });
      expect(result.code, result.stderr).toBe(130);
    } finally {
      plugin.dispose();
    }
    const trace = JSON.parse(await readFile(traceFile, "utf8")) as ChromeTrace;
    const phases = trace.traceEvents.filter((e) => e.ph === "X" && e.cat === "export");
    expect(phases.map((e) => [e.name, e.args?.vertex, e.args?.status])).toEqual([
      ["create", "export-0", "completed"],
      ["finalize", "export-0", "canceled"],
    ]);
    expect(threadsOf(trace).get(phases[0]!.tid)).toBe("export-0: exporting somewhere slow");
  });

  it("a failed export's trace has its create and finalize spans", async () => {
    const traceFile = join(fx.dir, "trace.json");
    // The report's destination is a directory: the exporter's finalize fails writing it.
    const dest = join(fx.dir, "taken");
    await mkdir(dest);
    const result = await run(["build", fx.context, "-o", `type=${pluginType},dest=${dest}`, "--root", fx.store, "--trace", traceFile]);
    expect(result.code).toBe(1);
    const trace = JSON.parse(await readFile(traceFile, "utf8")) as ChromeTrace;
    const phases = trace.traceEvents.filter((e) => e.ph === "X" && e.cat === "export");
    expect(phases.map((e) => [e.name, e.args?.status])).toEqual([
      ["create", "completed"],
      ["finalize", "error"],
    ]);
  });
});

describe.skipIf(skipUnlessTools("docker-registry"))("exp build --push --trace against a real registry", () => {
  it("has one upload span per blob pushed, on the exporter's lanes", async () => {
    const fx = await fixture();
    const registry = await startRegistry();
    try {
      const traceFile = join(fx.dir, "trace.json");
      const result = await run(["build", fx.context, "-t", `${registry.host}/app:1`, "--push", "--root", fx.store, "--trace", traceFile]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`registry  pushed to ${registry.host}/app:1`);
      const trace = JSON.parse(await readFile(traceFile, "utf8")) as ChromeTrace;
      const spans = trace.traceEvents.filter((e) => e.ph === "X");
      const uploads = spans.filter((e) => e.cat === "upload");
      // The two layers (the config and the manifest go up without byte progress).
      expect(uploads.length).toBeGreaterThanOrEqual(2);
      expect(new Set(uploads.map((e) => e.args?.blob)).size).toBe(uploads.length);
      for (const u of uploads) {
        expect(u.args).toMatchObject({ vertex: expect.stringMatching(/^export-0(\/|$)/), status: "completed" });
        expect(threadsOf(trace).get(u.tid)).toMatch(/^export-0: /);
      }
      expectStackable(spans);
    } finally {
      await registry.stop();
      await fx.cleanup();
    }
  });
});
