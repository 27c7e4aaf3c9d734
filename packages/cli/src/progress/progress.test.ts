import { describe, expect, it } from "vitest";
import type { ProgressEvent } from "@exp/solver";
import { PlainPrinter } from "./plain.js";
import { effectiveMode } from "./printer.js";
import { TtyPrinter } from "./tty.js";

const t0 = 1_700_000_000_000;
const vertex = (id: string, name: string, status: "started" | "completed" | "cached" | "error" | "canceled", at: number, extra: { parent?: string; error?: string } = {}): ProgressEvent => ({
  type: "vertex",
  id,
  name,
  status,
  at: t0 + at,
  ...extra,
});
const bytes = (vertexId: string, id: string, current: number, total: number | undefined, at: number): ProgressEvent => ({
  type: "bytes",
  vertex: vertexId,
  id,
  action: "uploading",
  current,
  ...(total === undefined ? {} : { total }),
  at: t0 + at,
});

const digestA = `sha256:${"a".repeat(64)}`;
const digestB = `sha256:${"b".repeat(64)}`;

/** Two exporters pushing at the same time, their events interleaved, as the coordinator's finalize phase makes them. */
const parallelPush: ProgressEvent[] = [
  vertex("op-0", "COPY app /app", "started", 0),
  vertex("op-0", "COPY app /app", "completed", 120),
  vertex("op-1", "COPY README.txt /", "started", 130),
  vertex("op-1", "COPY README.txt /", "cached", 131),
  vertex("export-0", "exporting to image", "started", 200),
  vertex("export-1", "exporting cache to registry", "started", 200),
  vertex("export-0/push", "pushing layers", "started", 300, { parent: "export-0" }),
  vertex("export-1/push", "pushing cache", "started", 300, { parent: "export-1" }),
  bytes("export-0/push", digestA, 100, 1000, 310),
  bytes("export-1/push", digestB, 10, 50, 320),
  bytes("export-0/push", digestA, 200, 1000, 400),
  bytes("export-0/push", digestA, 900, 1000, 1400),
  bytes("export-0/push", digestA, 1000, 1000, 1450),
  bytes("export-1/push", digestB, 50, 50, 1500),
  vertex("export-1/push", "pushing cache", "error", 1600, { parent: "export-1", error: "unauthorized" }),
  vertex("export-1", "exporting cache to registry", "error", 1600, { error: "unauthorized" }),
  vertex("export-0/push", "pushing layers", "canceled", 1610, { parent: "export-0" }),
  vertex("export-0", "exporting to image", "canceled", 1610),
  { type: "warning", vertex: "export-1", message: "cache export failed", at: t0 + 1620 },
];

describe("PlainPrinter", () => {
  it("prints buildx's plain format, sub-steps and bytes under their exporter's number", () => {
    let out = "";
    const printer = new PlainPrinter((t) => (out += t), { bytesIntervalMs: 1000 });
    for (const event of parallelPush) printer.onEvent(event);
    printer.warn("JSONArgsRecommended: use JSON arguments for CMD");
    printer.close();
    expect(out).toBe(
      [
        "#1 COPY app /app",
        "#1 DONE 0.1s",
        "",
        "#2 COPY README.txt /",
        "#2 CACHED",
        "",
        "#3 exporting to image",
        "",
        "#4 exporting cache to registry",
        "",
        "#3 pushing layers",
        "",
        "#4 pushing cache",
        "",
        "#3 uploading sha256:aaaaaaaaaaaa 100B / 1kB",
        "",
        "#4 uploading sha256:bbbbbbbbbbbb 10B / 50B",
        "",
        // 200 at +90ms is throttled; 900 at +1.1s is not; the last update always prints.
        "#3 uploading sha256:aaaaaaaaaaaa 900B / 1kB",
        "#3 uploading sha256:aaaaaaaaaaaa 1kB / 1kB done",
        "",
        "#4 uploading sha256:bbbbbbbbbbbb 50B / 50B done",
        "#4 pushing cache ERROR: unauthorized",
        "#4 ERROR: unauthorized",
        "",
        "#3 pushing layers CANCELED",
        "#3 CANCELED",
        "",
        "#4 WARNING: cache export failed",
        "",
        "2 warnings found:",
        " - cache export failed",
        " - JSONArgsRecommended: use JSON arguments for CMD",
        "",
      ].join("\n"),
    );
  });

  it("announces a vertex that is only ever reported cached", () => {
    let out = "";
    const printer = new PlainPrinter((t) => (out += t));
    printer.onEvent(vertex("op-0", "COPY a /", "cached", 5));
    expect(out).toBe("#1 COPY a /\n#1 CACHED\n");
  });
});

describe("TtyPrinter", () => {
  it("shows each exporter's pushes and blob bytes under it while they run", () => {
    let now = t0;
    let out = "";
    const printer = new TtyPrinter((t) => (out += t), { intervalMs: 0, color: false, columns: 100, now: () => now });
    for (const event of parallelPush.slice(0, 10)) printer.onEvent(event);
    now = t0 + 500;
    const lines = printer.render(false);
    expect(lines[0]).toBe("[+] Building 0.5s (2/6)");
    expect(lines.slice(1).map((l) => l.replace(/\s+(\d+\.\ds)$/, " | $1"))).toEqual([
      " => COPY app /app | 0.1s",
      " => CACHED COPY README.txt / | 0.0s",
      " => exporting to image | 0.3s",
      " => => pushing layers | 0.2s",
      " => => => uploading sha256:aaaaaaaaaaaa 100B / 1kB",
      " => exporting cache to registry | 0.3s",
      " => => pushing cache | 0.2s",
      " => => => uploading sha256:bbbbbbbbbbbb 10B / 50B",
    ]);
    for (const event of parallelPush.slice(10)) printer.onEvent(event);
    printer.close();
    expect(out).toContain("[+] Building 0.5s (6/6) FINISHED");
    expect(out).toContain(" => ERROR exporting cache to registry");
    expect(out).toContain(" => => unauthorized");
    expect(out).toContain("1 warning found:\n - cache export failed\n");
  });

  it("redraws in place: cursor up over the previous frame, then clear", async () => {
    let out = "";
    const printer = new TtyPrinter((t) => (out += t), { intervalMs: 5, color: false });
    printer.onEvent(vertex("op-0", "COPY a /", "started", 0));
    await new Promise((r) => setTimeout(r, 30));
    printer.onEvent(vertex("op-0", "COPY a /", "completed", 10));
    printer.close();
    expect(out).toContain("\x1b[2A\r\x1b[J[+] Building");
  });

  it("keeps lines within the terminal width", () => {
    const printer = new TtyPrinter(() => {}, { intervalMs: 0, color: false, columns: 50, now: () => t0 + 1000 });
    printer.onEvent(vertex("op-0", `COPY ${"x".repeat(100)} /`, "started", 0));
    for (const line of printer.render(false)) expect(line.length).toBeLessThanOrEqual(49);
  });
});

describe("effectiveMode", () => {
  it("auto is tty on a terminal, plain otherwise and in CI", () => {
    expect(effectiveMode("auto", true, {})).toBe("tty");
    expect(effectiveMode("auto", false, {})).toBe("plain");
    expect(effectiveMode("auto", true, { CI: "true" })).toBe("plain");
    expect(effectiveMode("auto", true, { TERM: "dumb" })).toBe("plain");
    expect(effectiveMode("rawjson", true, {})).toBe("rawjson");
  });
});
